// The header's menu on a phone is a <details>, so it opens and shuts without this script.
// The script only adds what a script can: aria-expanded on its button, kept in step with
// the menu, and Escape or a tap outside to shut it (Escape gives the focus back to Meny).
"use strict";
document.querySelectorAll("details.site-menu").forEach((menu) => {
  const button = menu.querySelector("summary");
  const update = () => button.setAttribute("aria-expanded", String(menu.open));
  update();
  menu.addEventListener("toggle", update);
  menu.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && menu.open) {
      menu.open = false;
      button.focus();
    }
  });
  document.addEventListener("click", (event) => {
    if (menu.open && !menu.contains(event.target)) menu.open = false;
  });
});
