// Package natstls makes and keeps the certificates that encrypt the clinic
// server's embedded NATS when it is opened to workers on other machines
// (kneescreen serve --nats-listen).
//
// On first use Ensure makes, in the data folder beside nats-token, a small
// certificate authority (nats-ca.pem, the file workers are given with
// --nats-ca-file, and its key nats-ca-key.pem) and a server certificate
// signed by it (nats-server.pem, key nats-server-key.pem). Keys are ECDSA
// P-256, written once with mode 0600 and never overwritten. Later starts
// reuse everything; the server certificate alone is re-issued, from the
// same CA and for the same key, when a name it should cover is missing
// (a new --nats-tls-name, a new interface address), when it nears its
// end, or when it no longer matches the CA or key. Names once covered
// stay covered, so a worker that reached the server by some name keeps
// reaching it. Workers therefore need the CA file once.
//
// Operators with their own certificate skip all this: ServerConfig loads
// any certificate and key pair.
package natstls
