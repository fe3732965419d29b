// kneescreen web app: live job progress (server-sent events), confirm
// dialogs and upload feedback. Plain JS, no build step.
(function () {
  "use strict";

  var stateText = { queued: "queued", running: "running", done: "done", failed: "failed", dead: "dead letter" };

  // Live progress: one event stream per page, for the jobs it shows.
  function watchJobs() {
    var nodes = document.querySelectorAll("[data-job]");
    if (!nodes.length || !window.EventSource) return;
    var ids = [];
    nodes.forEach(function (n) { ids.push(n.getAttribute("data-job")); });
    var es = new EventSource("/events?jobs=" + encodeURIComponent(ids.join(",")));
    es.addEventListener("job", function (e) {
      var j;
      try { j = JSON.parse(e.data); } catch (err) { return; }
      document.querySelectorAll('[data-job="' + j.job + '"]').forEach(function (n) { show(n, j); });
    });
  }

  function show(n, j) {
    var st = n.querySelector(".state");
    st.textContent = stateText[j.state] || j.state;
    st.className = "state state-" + j.state;
    var bar = n.querySelector("progress");
    bar.value = Math.round(100 * (j.progress || 0));
    bar.hidden = j.state !== "running";
    n.querySelector(".pass").textContent = j.state === "running" ? (j.pass || "") : "";
    n.querySelector(".report").hidden = j.state !== "done";
    n.querySelector(".error").textContent = (j.state === "failed" || j.state === "dead") ? (j.error || "") : "";
    n.setAttribute("data-state", j.state);
    if (j.state === "done" && document.body.getAttribute("data-reload-on-done") !== null) {
      window.location.reload();
    }
  }

  // Deleting asks first.
  function confirms() {
    document.querySelectorAll("form[data-confirm]").forEach(function (f) {
      f.addEventListener("submit", function (e) {
        if (!window.confirm(f.getAttribute("data-confirm"))) e.preventDefault();
      });
    });
  }

  // Uploading says so (large videos take a while to send).
  function uploads() {
    var f = document.getElementById("upload-form");
    if (!f) return;
    f.addEventListener("submit", function () {
      var b = document.getElementById("upload");
      var n = document.getElementById("video").files.length;
      b.disabled = true;
      b.textContent = "Uploading " + n + " video" + (n === 1 ? "" : "s") + "…";
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    watchJobs();
    confirms();
    uploads();
  });
})();
