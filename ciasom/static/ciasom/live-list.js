// The live list refreshes itself (new broadcasts, viewer counts, thumbnails) every 30 s
// while the tab is visible, by fetching this same page and swapping the results in.
"use strict";
(() => {
  const box = document.getElementById("live-results");
  if (!box) return;
  const every = Number(box.dataset.refresh || 30) * 1000;
  async function refresh() {
    if (document.hidden) return;
    try {
      const response = await fetch(window.location.href, { credentials: "same-origin" });
      if (!response.ok) return;
      const html = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = html.getElementById("live-results");
      if (fresh) box.innerHTML = fresh.innerHTML;
    } catch (error) { /* offline for a moment: try again next time */ }
  }
  setInterval(refresh, every);
  document.addEventListener("visibilitychange", () => { if (!document.hidden) refresh(); });
})();
