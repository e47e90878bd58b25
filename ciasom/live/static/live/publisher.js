// The host's publisher: camera → WHIP; the processed stream back over WHEP as the preview.
"use strict";
(() => {
  const root = document.getElementById("studio");
  if (!root) return;
  const publisher = document.getElementById("publisher");
  const whipUrl = publisher.dataset.whipUrl;
  const iceServers = Ciasom.iceServersFrom("publisher-ice-servers");
  const $ = (id) => document.getElementById(id);
  const camera = $("camera"), microphone = $("microphone"), resolution = $("resolution");
  const goLive = $("go-live"), endLive = $("end-live"), state = $("publish-state");
  const preview = $("processed-preview");
  let media = null, pc = null, sessionUrl = null, watching = null, poller = null;

  const show = (key, detail) => {
    root.dataset.state = key;
    state.textContent = (state.dataset[key] || "") + (detail ? ` ${detail}` : "");
  };

  // Devices are listed without asking for the camera; names appear once the host opens a
  // picker (one permission prompt then, not on every visit of the settings page).
  let labelled = false;
  async function listDevices(ask = false) {
    if (ask && !labelled) {
      try {
        const probe = await navigator.mediaDevices.getUserMedia({video: true, audio: true});
        probe.getTracks().forEach((t) => t.stop());
      } catch (error) { /* the pickers keep unnamed devices */ }
    }
    const devices = await navigator.mediaDevices.enumerateDevices();
    labelled = devices.some((d) => d.label);
    for (const [select, kind, keep] of [[camera, "videoinput", 0], [microphone, "audioinput", 1]]) {
      const chosen = select.value;
      while (select.length > keep) select.remove(keep);
      for (const device of devices.filter((d) => d.kind === kind)) {
        const name = device.label || `${select === camera ? "📷" : "🎤"} ${select.length + 1 - keep}`;
        select.add(new Option(name, device.deviceId));
      }
      if (chosen) select.value = chosen;
      else if (select === microphone && select.length > 1) select.selectedIndex = 1;
    }
  }
  for (const select of [camera, microphone]) {
    select.addEventListener("pointerdown", () => listDevices(true), {once: true});
    select.addEventListener("focus", () => listDevices(true), {once: true});
  }

  async function start() {
    goLive.disabled = true;
    show("starting");
    try {
      const height = Number(resolution.value);
      media = await navigator.mediaDevices.getUserMedia({
        video: {deviceId: camera.value ? {exact: camera.value} : undefined,
                width: {ideal: height * 16 / 9}, height: {ideal: height}, frameRate: {ideal: 30}},
        audio: microphone.value ? {deviceId: {exact: microphone.value}} : false,
      });
      listDevices();  // permission granted now: show the devices' names
      pc = new RTCPeerConnection({iceServers});
      for (const track of media.getTracks()) {
        // A face must stay sharp enough to recognise, so keep resolution over frame rate
        // (Chromium otherwise starts at 480x360 while bandwidth ramps up).
        if (track.kind === "video") track.contentHint = "detail";
        const {sender} = pc.addTransceiver(track, {direction: "sendonly", streams: [media]});
        if (track.kind === "video") {
          const parameters = sender.getParameters();
          parameters.degradationPreference = "maintain-resolution";
          await sender.setParameters(parameters).catch(() => {});
        }
      }
      pc.addEventListener("connectionstatechange", () => {
        if (["failed", "closed"].includes(pc && pc.connectionState)) stop(false);
      });
      sessionUrl = await Ciasom.exchange(whipUrl, pc);
      show("live");
      goLive.hidden = true;
      endLive.hidden = false;
      watchPreview();
      poll();
    } catch (error) {
      show("ended", error.message);
      release();
      goLive.disabled = false;
    }
  }

  async function watchPreview() {
    for (let attempt = 0; attempt < 5 && root.dataset.state !== "ended"; attempt++) {
      try {
        watching = await Ciasom.watch(root.dataset.whepUrl, preview, iceServers);
        return;
      } catch (error) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  function release() {
    if (watching) watching.close();
    if (pc) pc.close();
    if (media) media.getTracks().forEach((t) => t.stop());
    watching = pc = media = null;
    preview.srcObject = null;
  }

  function stop(sendDelete = true) {
    if (sendDelete) Ciasom.endSession(sessionUrl);
    sessionUrl = null;
    release();
    show("ended");
    endLive.hidden = true;
    goLive.hidden = false;
    goLive.disabled = false;
  }

  async function poll() {
    clearInterval(poller);
    const tick = async () => {
      try {
        const status = await (await fetch(root.dataset.statusUrl, {cache: "no-store"})).json();
        const health = status.health || {};
        const values = Object.assign({viewers: status.viewers}, health, {
          engine_ms: health.engine && health.engine.engine_ms_p50 != null
            ? Number(health.engine.engine_ms_p50).toFixed(1) : null,
          sent_size: health.sent_width ? `${health.sent_width}×${health.sent_height}` : null,
          // Why frames went out covered whole (the engine had not examined them yet).
          covered_why: health.engine && health.engine.covered_why
            ? Object.entries(health.engine.covered_why).map(([why, n]) => `${why} (${n})`)
              .join(", ") || null
            : null,
        });
        for (const node of root.querySelectorAll("[data-health]")) {
          const value = values[node.dataset.health];
          node.textContent = value == null ? "–" : value;
        }
        if (!status.live && pc) stop(false);
      } catch (error) { /* next tick */ }
    };
    await tick();
    poller = setInterval(tick, 2000);
  }

  goLive.addEventListener("click", start);
  endLive.addEventListener("click", () => stop(true));
  window.addEventListener("pagehide", () => { if (sessionUrl) stop(true); });
  listDevices();
  if (root.dataset.live === "1") { show("elsewhere"); watchPreview(); poll(); }
})();
