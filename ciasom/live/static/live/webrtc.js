// WHIP/WHEP in the browser (RFC 9725 and the WHEP draft): one offer, one answer, no trickle.
"use strict";
window.Ciasom = window.Ciasom || {};

// Non-trickle: the offer goes out with every candidate, so wait for gathering to finish
// (bounded: a missing STUN server must not hang the page).
Ciasom.iceGathered = (pc, timeoutMs = 3000) => new Promise((resolve) => {
  if (pc.iceGatheringState === "complete") return resolve();
  const done = () => { if (pc.iceGatheringState === "complete") resolve(); };
  pc.addEventListener("icegatheringstatechange", done);
  setTimeout(resolve, timeoutMs);
});

// POST the offer, apply the answer; returns the session URL (Location) for DELETE.
Ciasom.exchange = async (url, pc, headers = {}) => {
  await pc.setLocalDescription(await pc.createOffer());
  await Ciasom.iceGathered(pc);
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: Object.assign({"Content-Type": "application/sdp"}, headers),
    body: pc.localDescription.sdp,
  });
  if (response.status !== 201) {
    const error = new Error((await response.text()).trim() || response.statusText);
    error.status = response.status;
    error.retryAfter = Number(response.headers.get("Retry-After")) || 0;
    throw error;
  }
  await pc.setRemoteDescription({type: "answer", sdp: await response.text()});
  return new URL(response.headers.get("Location"), location.href).href;
};

Ciasom.endSession = (sessionUrl) => {
  if (sessionUrl) fetch(sessionUrl, {method: "DELETE", keepalive: true}).catch(() => {});
};

// WHEP: watch `url` in `video`. Returns {pc, sessionUrl, close()}.
Ciasom.watch = async (url, video, iceServers) => {
  const pc = new RTCPeerConnection({iceServers});
  pc.addTransceiver("video", {direction: "recvonly"});
  pc.addTransceiver("audio", {direction: "recvonly"});
  const stream = new MediaStream();
  pc.addEventListener("track", (event) => {
    stream.addTrack(event.track);
    video.srcObject = stream;
  });
  let sessionUrl;
  try {
    sessionUrl = await Ciasom.exchange(url, pc);
  } catch (error) {
    pc.close();
    throw error;
  }
  return {pc, sessionUrl, close() { pc.close(); Ciasom.endSession(sessionUrl); }};
};

Ciasom.iceServersFrom = (id) => {
  const node = document.getElementById(id);
  return node ? JSON.parse(node.textContent) : [];
};
