// Hotfullt samtal: saves the log on the server while it is typed, so that nothing is lost
// and nothing is kept in the browser, where the next user of a shared phone could read it.
// The form works without this script: its Spara button sends it the ordinary way.
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave]");
  if (!form || !window.fetch || !window.FormData) return;
  var status = document.getElementById("autosave-status");
  var problem = document.getElementById("autosave-problem");
  var changed = form.hasAttribute("data-unsaved");
  var saving = false;
  var timer = null;

  function tell(text, link) {
    problem.textContent = text;
    if (link) {
      var a = document.createElement("a");
      a.href = link.href;
      a.textContent = link.text;
      problem.appendChild(document.createTextNode(" "));
      problem.appendChild(a);
    }
  }

  function answered(response) {
    return response.json().then(function (body) {
      var done = response.ok;
      if (response.ok) {
        status.textContent = "Sparad kl. " + body.saved_at + ".";
        problem.textContent = "";
        if (body.url && form.getAttribute("action") !== body.url) {
          // The log has an address of its own now: later saves, and a reload, go there.
          form.setAttribute("action", body.url);
          window.history.replaceState(null, "", body.url);
        }
      } else if (body.login) {
        tell("Du har loggats ut. Det du skrivit finns kvar här och sparas när du loggar in.",
          { href: body.login, text: "Logga in och spara" });
      } else if (body.report) {
        tell("Samtalet är redan en rapport. Det du skrivit här efter det är inte sparat.",
          { href: body.report, text: "Öppna rapporten" });
      } else if (body.errors) {
        tell("Det senaste är inte sparat: " + body.errors.join(" "));
      }
      return done;
    });
  }

  function save() {
    timer = null;
    if (saving || !changed) return;
    saving = true;
    changed = false;
    var data = new FormData(form);
    data.set("action", "spara");
    fetch(form.getAttribute("action"), {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-Autosave": "1", "Accept": "application/json" }
    })
      .then(answered)
      .catch(function () {
        // No network, say: the text stays on the page, and the next round tries again.
        changed = true;
        tell("Det går inte att spara just nu. Det du skrivit finns kvar här, och vi försöker igen.");
        return false;
      })
      .then(function (done) {
        saving = false;
        // What was typed while this save was on its way goes next.
        if (done && changed && !timer) timer = window.setTimeout(save, 1500);
      });
  }

  function soon() {
    changed = true;
    if (timer) window.clearTimeout(timer);
    timer = window.setTimeout(save, 1500);
  }

  form.addEventListener("input", soon);
  form.addEventListener("change", soon);
  // Also while someone types without a pause, and again after a failed save.
  window.setInterval(save, 10000);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") save();
  });
  if (!status.textContent) status.textContent = "Det du skriver sparas medan du skriver.";
  if (changed) save();
})();
