// Package web is the clinic server's HTTP side: a server-rendered web app
// (html/template, one small script, no build step) and a REST API
// described by openapi.yaml, both over the same records (package store),
// queue and blobs (package queue).
//
// Routing uses the standard library's method and wildcard patterns; every
// route is one entry of the table in routes.go, with how it authenticates,
// and a test keeps the API entries and openapi.yaml in step.
//
// Security, in one place each:
//   - Browser sessions are an HttpOnly, SameSite=Lax cookie holding a
//     random secret whose SHA-256 is stored; the API takes Bearer tokens
//     made by POST /api/tokens with HTTP basic credentials.
//   - Cross-site request forgery is refused by net/http's
//     CrossOriginProtection (Sec-Fetch-Site and Origin checks, which every
//     current browser sends) in front of every route, and by the Lax
//     cookie: no token juggling in forms, nothing for a page to forget.
//   - Every record is read through the user's clinic (store does the
//     filtering), so other clinics' rows are simply not found.
//   - Uploads are bounded in size (413 beyond) and in concurrency, stored
//     under generated names, and probed before they are stored or queued.
//   - Logins are rate-limited per address and per user name, and password
//     hashing runs a few at a time.
//   - Responses carry a strict Content-Security-Policy; report.html is
//     served sandboxed.
package web
