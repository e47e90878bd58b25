// The viewer's player: WHEP into <video>, or Janus when the broadcast is on Janus (its status
// lists where: large audiences). It follows the broadcast's status: connects when it is live
// (also when it starts after the page was opened), reconnects after a network failure, and
// shows "ended" when the host stops.
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
  let connecting = false;
  let retry = null;

  const show = (key) => {
    root.dataset.state = key;
    state.textContent = state.dataset[key] || "";
    state.hidden = key === "playing" || key === "offline";
    video.hidden = key === "ended" || key === "offline";
  };

  const hangUp = () => {
    clearTimeout(retry);
    retry = null;
    if (session) session.close();
    session = null;
    video.srcObject = null;
  };

  const end = () => {
    hangUp();
    show("ended");
  };

  const reconnect = (seconds) => {
    clearTimeout(retry);
    retry = setTimeout(() => { retry = null; connect(); }, seconds * 1000);
  };

  async function connect() {
    if (connecting) return;
    connecting = true;
    hangUp();
    show(root.dataset.state === "playing" ? "reconnecting" : "connecting");
    const offline = root.querySelector(".offline");
    if (offline) offline.remove();
    try {
      const places = (await fetchStatus()).janus || [];
      if (places.length && window.Janus) {
        // Viewers spread over the Janus hosts the broadcast is on.
        const place = places[Math.floor(Math.random() * places.length)];
        try {
          session = await Ciasom.watchJanus(place, video, iceServers, onJanusState);
          connecting = false;
          return;
        } catch (error) {
          // That host lost the mountpoint (a restart) while the broadcast is live: WHEP.
          if (!error.ended) throw error;
        }
      }
      session = await Ciasom.watch(root.dataset.whepUrl, video, iceServers);
    } catch (error) {
      connecting = false;
      if (error.status === 404 || error.ended) return end();  // not live (any more)
      show(error.status === 503 ? "full" : "reconnecting");
      return reconnect(error.retryAfter || 3);
    }
    connecting = false;
    const pc = session.pc;
    pc.addEventListener("connectionstatechange", () => {
      if (!session || pc !== session.pc) return;
      if (pc.connectionState === "connected") show("playing");
      if (["failed", "closed", "disconnected"].includes(pc.connectionState)) {
        show("reconnecting");
        poll();
        reconnect(2);
      }
    });
  }

  function onJanusState(state) {
    if (state === "playing") return show("playing");
    if (state === "ended") return end();
    show("reconnecting");  // Janus or the network went away: ask the status, then again
    poll();
    reconnect(2);
  }

  async function fetchStatus() {
    const response = await fetch(statusUrl, {cache: "no-store"});
    if (!response.ok) throw Object.assign(new Error("status"), {status: response.status});
    return response.json();
  }

  async function poll() {
    try {
      const status = await fetchStatus();
      const viewers = document.getElementById("viewers");
      if (viewers) viewers.textContent = status.viewers;
      if (status.live && !session && !connecting && !retry) connect();
      if (!status.live && (session || connecting || retry)) end();
    } catch (error) { /* offline for a moment: try again on the next tick */ }
  }

  setInterval(poll, 3000);
  video.addEventListener("play", () => { if (session) show("playing"); });
  window.addEventListener("pagehide", hangUp);
  if (root.dataset.live === "1") connect(); else show("offline");
})();
