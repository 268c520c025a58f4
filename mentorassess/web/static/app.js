// mentorassess serve: progressive enhancement only; every page works without this file.
// 1. Drag and drop onto the upload box fills the ordinary file input and submits the form.
// 2. The run page polls the run's status and moves the progress bar, then opens the download page.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form[data-dropzone]").forEach(function (form) {
    var zone = form.querySelector("[data-drop-target]");
    var input = form.querySelector("input[type=file]");
    var hint = form.querySelector("[data-drop-hint]");
    if (!zone || !input) { return; }
    if (hint) { hint.hidden = false; }
    ["dragenter", "dragover"].forEach(function (type) {
      zone.addEventListener(type, function (ev) { ev.preventDefault(); zone.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (type) {
      zone.addEventListener(type, function () { zone.classList.remove("over"); });
    });
    zone.addEventListener("drop", function (ev) {
      ev.preventDefault();
      if (!ev.dataTransfer || !ev.dataTransfer.files.length) { return; }
      input.files = ev.dataTransfer.files;
      form.requestSubmit ? form.requestSubmit() : form.submit();
    });
  });

  var run = document.getElementById("run");
  if (run && run.dataset.status === "running") {
    var bar = document.getElementById("progress");
    var message = document.getElementById("run-message");
    var steps = document.getElementById("run-steps");
    var poll = function () {
      fetch(run.dataset.runStatus, { credentials: "same-origin", cache: "no-store" })
        .then(function (r) { return r.json(); })
        .then(function (s) {
          bar.max = s.expected;
          bar.value = s.status === "done" ? s.expected : s.done;
          steps.textContent = "";
          s.steps.forEach(function (t) { var li = document.createElement("li"); li.textContent = t; steps.appendChild(li); });
          if (s.status === "running") {
            message.textContent = "Running: " + (s.steps.length ? s.steps[s.steps.length - 1] : "starting") + "…";
            setTimeout(poll, 700);
          } else if (s.status === "done") {
            message.textContent = "Finished in " + s.seconds + " s.";
            window.location.assign(run.dataset.doneUrl);
          } else {
            window.location.reload();
          }
        })
        .catch(function () { setTimeout(poll, 2000); });
    };
    setTimeout(poll, 500);
  }
});
