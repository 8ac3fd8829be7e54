// Keyboard flow for the work queue: j/k move between patients, digits tap outcomes.
(function () {
  "use strict";
  let current = -1;
  function items() { return Array.from(document.querySelectorAll("[data-queue-item]")); }
  function open(index) {
    const list = items();
    if (!list.length) return;
    current = Math.max(0, Math.min(index, list.length - 1));
    list.forEach((el, i) => el.toggleAttribute("aria-current", i === current));
    list[current].focus();
    list[current].click();
  }
  document.addEventListener("keydown", function (event) {
    const target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (target.matches("input, textarea, select, [contenteditable]")) return;
    if (event.key === "j") { open(current + 1); event.preventDefault(); }
    else if (event.key === "k") { open(current - 1); event.preventDefault(); }
    else {
      const tap = document.querySelector('#panel [data-shortcut="' + event.key + '"]');
      if (tap) { tap.click(); event.preventDefault(); }
    }
  });
  // A link click opens the panel in place (htmx); keep the highlight in step.
  document.addEventListener("click", function (event) {
    const link = event.target.closest("[data-queue-item]");
    if (link) { current = items().indexOf(link); }
  });
})();
