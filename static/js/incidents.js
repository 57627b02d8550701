// Progressive enhancement only: the server already makes a double click one report.
// This just stops a second click from sending the form again and says it is on its way.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!form.hasAttribute("data-once")) return;
  if (form.dataset.sending) {
    event.preventDefault();
    return;
  }
  form.dataset.sending = "1";
  form.querySelectorAll("button[type=submit]").forEach(function (button) {
    button.setAttribute("aria-disabled", "true");
    button.classList.add("is-sending");
  });
});

// After a refused send, take the reader to the list of what needs fixing.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.getElementById("felsammanfattning");
  if (summary) summary.focus();
});
