// Lets the phone keep the emergency pages (Under, Kontakter, Checklista) for use without
// network. The portal works the same without it.
(function () {
  var worker = document.currentScript && document.currentScript.dataset.worker;
  if (!worker || !("serviceWorker" in navigator)) return;
  window.addEventListener("load", function () {
    navigator.serviceWorker.register(worker, { scope: "/" });
  });
})();
