// The viewer's player: WHEP into <video>, reconnects on its own, shows when the broadcast ends.
"use strict";
(() => {
  const root = document.getElementById("player");
  const video = document.getElementById("live-video");
  const state = document.getElementById("live-state");
  if (!root || !video) return;
  const article = root.closest("[data-broadcast]");
  const statusUrl = `/live/${article.dataset.broadcast}/status`;
  const iceServers = Ciasom.iceServersFrom("ice-servers");
  let session = null;
  let ended = false;
  let retry = null;

  const show = (key) => {
    root.dataset.state = key;
    state.textContent = state.dataset[key] || "";
    state.hidden = key === "playing";
    video.hidden = key === "ended";
  };

  const end = () => {
    ended = true;
    clearTimeout(retry);
    if (session) session.close();
    session = null;
    video.srcObject = null;
    show("ended");
  };

  const reconnect = (seconds) => {
    if (ended) return;
    clearTimeout(retry);
    retry = setTimeout(connect, seconds * 1000);
  };

  async function connect() {
    if (ended) return;
    if (session) session.close();
    session = null;
    show("connecting");
    try {
      session = await Ciasom.watch(root.dataset.whepUrl, video, iceServers);
    } catch (error) {
      if (error.status === 404) return poll();  // not (or no longer) live: the poll decides
      show(error.status === 503 ? "full" : "reconnecting");
      return reconnect(error.retryAfter || 3);
    }
    const pc = session.pc;
    pc.addEventListener("connectionstatechange", () => {
      if (pc !== (session && session.pc)) return;
      if (pc.connectionState === "connected") show("playing");
      if (["failed", "closed", "disconnected"].includes(pc.connectionState)) {
        show("reconnecting");
        poll();
        reconnect(2);
      }
    });
  }

  async function poll() {
    if (ended) return;
    try {
      const response = await fetch(statusUrl, {cache: "no-store"});
      if (response.ok) {
        const status = await response.json();
        const viewers = document.getElementById("viewers");
        if (viewers) viewers.textContent = status.viewers;
        if (!status.live && (status.ended || session === null)) return end();
      }
    } catch (error) { /* offline for a moment: try again on the next tick */ }
  }

  setInterval(poll, 3000);
  video.addEventListener("play", () => show("playing"));
  window.addEventListener("pagehide", () => { if (session) session.close(); });
  if (root.dataset.live === "1") connect(); else show("offline");
})();
