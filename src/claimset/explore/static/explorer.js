/* claimset explorer: the selection panel and keyboard navigation.
 * Everything the page shows is already in the HTML; this only adds convenience.
 * No modules, no fetch, no network: it runs from file:// as well as from a web server. */
(function () {
  "use strict";
  var doc = document.documentElement;
  doc.classList.remove("no-js");
  doc.classList.add("js");

  var text = document.getElementById("text");
  var panel = document.getElementById("panel-body");
  if (!text || !panel) return;

  var heads = Array.prototype.slice.call(text.querySelectorAll("mark.claim[data-head]"));
  var order = heads.map(function (h) { return h.getAttribute("data-claim"); });
  var hint = panel.innerHTML;
  var current = null;

  function esc(id) { return window.CSS && CSS.escape ? CSS.escape(id) : id.replace(/["\\]/g, "\\$&"); }
  function each(selector, fn) { Array.prototype.forEach.call(text.querySelectorAll(selector), fn); }
  function head(id) { return document.getElementById("hl-" + id); }

  function clear() {
    each("mark.claim.selected", function (m) { m.classList.remove("selected"); });
    each(".rel", function (m) { m.classList.remove("rel"); });
    each("mark.claim[aria-current]", function (m) { m.removeAttribute("aria-current"); });
    current = null;
    panel.innerHTML = hint;
    panel.removeAttribute("data-claim");
  }

  function select(id, options) {
    options = options || {};
    var card = document.getElementById("claim-" + id);
    if (!card || order.indexOf(id) < 0) return false;
    each("mark.claim.selected", function (m) { m.classList.remove("selected"); });
    each(".rel", function (m) { m.classList.remove("rel"); });
    each("mark.claim[aria-current]", function (m) { m.removeAttribute("aria-current"); });
    each('mark.claim[data-claim="' + esc(id) + '"]', function (m) { m.classList.add("selected"); });
    each('[data-of~="' + esc(id) + '"]', function (m) { m.classList.add("rel"); });
    var h = head(id);
    if (h) h.setAttribute("aria-current", "true");
    var clone = card.cloneNode(true);
    clone.removeAttribute("id");
    Array.prototype.forEach.call(clone.querySelectorAll("[id]"), function (n) { n.removeAttribute("id"); });
    panel.innerHTML = "";
    panel.appendChild(clone);
    panel.setAttribute("data-claim", id);
    panel.parentNode.scrollTop = 0;
    current = id;
    if (options.hash !== false && window.history && history.replaceState) {
      try { history.replaceState(null, "", "#claim-" + id); } catch (e) { /* some file:// setups refuse */ }
    }
    if (h && options.focus) h.focus({ preventScroll: !!options.noScroll });
    if (h && options.scroll) h.scrollIntoView({ block: "center" });
    return true;
  }

  function step(delta) {
    if (!order.length) return;
    var i = order.indexOf(current);
    var next = i < 0 ? (delta > 0 ? 0 : order.length - 1) : (i + delta + order.length) % order.length;
    select(order[next], { focus: true });
  }

  // Click: the innermost claim under the pointer; clicking the same place again cycles
  // through the claims that overlap there.
  text.addEventListener("click", function (ev) {
    var stack = [];
    for (var n = ev.target; n && n !== text; n = n.parentElement) {
      if (n.matches && n.matches("mark.claim")) stack.push(n.getAttribute("data-claim"));
    }
    if (!stack.length) return;
    var i = stack.indexOf(current);
    select(i < 0 ? stack[0] : stack[(i + 1) % stack.length], { focus: true, noScroll: true });
  });

  document.addEventListener("keydown", function (ev) {
    if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
    var t = ev.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    var onClaim = t && t.matches && t.matches("mark.claim[data-head]");
    var key = ev.key;
    if (key === "j" || key === "n" || (onClaim && (key === "ArrowDown" || key === "ArrowRight"))) {
      step(1);
    } else if (key === "k" || key === "p" || (onClaim && (key === "ArrowUp" || key === "ArrowLeft"))) {
      step(-1);
    } else if (onClaim && (key === "Enter" || key === " ")) {
      select(t.getAttribute("data-claim"), { focus: true, noScroll: true });
    } else if (key === "Escape") {
      clear();
      return;
    } else {
      return;
    }
    ev.preventDefault();
  });

  // A link to #claim-<id> selects that claim and shows its highlight in the text (the browser
  // itself would scroll to the claim's card in the list below, where it lands without JS).
  function fromHash() {
    var m = /^#claim-(.+)$/.exec(decodeURIComponent(location.hash || ""));
    if (!m || order.indexOf(m[1]) < 0) return false;
    select(m[1], { hash: false, scroll: true, focus: true, noScroll: true });
    return true;
  }
  window.addEventListener("hashchange", fromHash);
  if (fromHash()) {
    // the browser scrolls to the fragment after this script has run: scroll back to the highlight
    window.addEventListener("load", function () {
      setTimeout(function () { if (current) { var h = head(current); if (h) h.scrollIntoView({ block: "center" }); } }, 0);
    });
  }
})();
