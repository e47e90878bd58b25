// Small page helpers: confirm dialogs, copy buttons, reveal secrets, live form hints.
"use strict";
document.addEventListener("submit", (event) => {
  const message = event.target.dataset && event.target.dataset.confirm;
  if (message && !window.confirm(message)) event.preventDefault();
});
document.addEventListener("click", async (event) => {
  const copy = event.target.closest("[data-copy]");
  if (copy) {
    const source = document.querySelector(copy.dataset.copy);
    const text = source.value !== undefined ? source.value : source.textContent;
    try {
      await navigator.clipboard.writeText(text.trim());
    } catch (error) { // no clipboard permission (plain http on a LAN): select it instead
      if (source.select) { source.type = "text"; source.select(); document.execCommand("copy"); }
    }
    const label = copy.textContent;
    copy.textContent = "✓";
    setTimeout(() => { copy.textContent = label; }, 1200);
  }
  const reveal = event.target.closest("[data-reveal]");
  if (reveal) {
    const input = document.querySelector(reveal.dataset.reveal);
    input.type = input.type === "password" ? "text" : "password";
  }
});
// Broadcast form: show the warning when the mosaic is turned off; show the strength value.
document.addEventListener("change", (event) => {
  if (event.target.name === "mode") {
    const warning = document.querySelector(".mode-off-warning");
    if (warning) warning.hidden = event.target.value !== "off";
  }
});
document.addEventListener("input", (event) => {
  if (event.target.name === "strength") {
    const out = document.getElementById("strength-value");
    if (out) out.textContent = event.target.value;
  }
});
