// Keyboard flow for the work queue: j/k move between patients, digits tap outcomes.
(function () {
  "use strict";
  let currentHref = null;
  let loading = false;
  function items() { return Array.from(document.querySelectorAll("[data-queue-item]")); }
  function mark(list, index) {
    list.forEach((el, i) => el.toggleAttribute("aria-current", i === index));
  }
  function move(step) {
    const list = items();
    if (!list.length) return;
    const at = list.findIndex((el) => el.getAttribute("href") === currentHref);
    // If the current patient left the list (an outcome was recorded), the next one has
    // moved into its place: "next" is that place, not the one after it.
    const index = at === -1 ? Math.max(0, Math.min(list.length - 1, step > 0 ? lastIndex : lastIndex - 1))
                            : Math.max(0, Math.min(list.length - 1, at + step));
    open(list, index);
  }
  let lastIndex = 0;
  function open(list, index) {
    lastIndex = index;
    currentHref = list[index].getAttribute("href");
    mark(list, index);
    list[index].focus();
    list[index].click();
  }
  document.addEventListener("keydown", function (event) {
    const target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (target.matches("input, textarea, select, [contenteditable]")) return;
    if (event.key === "j") { move(currentHref === null ? 0 : 1); event.preventDefault(); }
    else if (event.key === "k") { move(-1); event.preventDefault(); }
    else if (!loading) {
      // While a patient is loading, a digit must not tap the one still on screen.
      const tap = document.querySelector('#panel [data-shortcut="' + event.key + '"]');
      if (tap) { tap.click(); event.preventDefault(); }
    }
  });
  document.addEventListener("click", function (event) {
    const link = event.target.closest("[data-queue-item]");
    if (link) {
      const list = items();
      lastIndex = list.indexOf(link);
      currentHref = link.getAttribute("href");
      mark(list, lastIndex);
    }
  });
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (event.detail.target && event.detail.target.id === "panel") loading = true;
  });
  // A panel opened (a row, a key, or the next patient after an outcome): mark its row, and
  // move focus into it, to the first answer refused if a form came back, else its heading.
  function panelOpened(panel) {
    const article = panel.querySelector("[data-panel-href]");
    if (!article) return;
    currentHref = article.getAttribute("data-panel-href");
    const list = items();
    const at = list.findIndex((el) => el.getAttribute("href") === currentHref);
    if (at !== -1) lastIndex = at;
    mark(list, at);
    const target = panel.querySelector('[aria-invalid="true"]') || panel.querySelector("[data-panel-focus]");
    if (target) target.focus({ preventScroll: true });
    // A patient opened low in the list: bring the panel's top into view (above the list
    // on a tablet, where it would otherwise open out of sight).
    const top = panel.getBoundingClientRect().top;
    if (top < 0 || top > window.innerHeight * 0.5) panel.scrollIntoView({ block: "start" });
    else if (target) target.scrollIntoView({ block: "nearest" });
  }
  // Re-qualify: say what the two answers lead to as they are chosen, before saving.
  document.addEventListener("change", function (event) {
    const form = event.target.closest("form[data-requalify]");
    if (!form) return;
    const soon = form.querySelector('input[name="soon"]:checked');
    const fit = form.querySelector('input[name="fit"]:checked');
    const lead = form.querySelector("[data-requalify-lead]");
    if (!lead || !soon || !fit) return;
    const state = form.getAttribute("data-leads-" + soon.value + "-" + fit.value);
    lead.textContent = "These answers lead to: " + state + ".";
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.detail.target && event.detail.target.id === "panel") {
      loading = false;
      panelOpened(event.detail.target);
    }
    if (event.detail.target && event.detail.target.id === "queue-list") {
      const list = items();
      mark(list, list.findIndex((el) => el.getAttribute("href") === currentHref));
    }
  });
  document.addEventListener("htmx:responseError", function () { loading = false; });
})();
