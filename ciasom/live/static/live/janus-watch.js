// Watching through Janus (large audiences): Janus's own JavaScript API (janus.js, vendored by
// `make janus` from Debian's libjs-janus-gateway) talks to the Streaming plugin. Debian's Janus
// 1.1.2 cannot take a viewer's offer (WHEP needs ≥ 1.1.4), so the plugin offers and we answer.
"use strict";
window.Ciasom = window.Ciasom || {};

let janusReady = null;
const initJanus = () => janusReady || (janusReady = new Promise((resolve) => {
  Janus.init({debug: false, dependencies: Janus.useDefaultDependencies({adapter}), callback: resolve});
}));

// Watch mountpoint `place.mountpoint` on the Janus at `place.url` in `video`.
// `onState(state)` gets "playing", "ended" (the mountpoint is gone: the broadcast is over) or
// "failed" (the connection or Janus was lost). Returns {close()} once the offer is answered.
Ciasom.watchJanus = async (place, video, iceServers, onState) => {
  await initJanus();
  return new Promise((resolve, reject) => {
    let handle = null;
    let settled = false;
    let closed = false;
    const stream = new MediaStream();
    const fail = (error) => {
      if (!settled) { settled = true; janus.destroy({notifyDestroyed: false}); reject(error); }
      else if (!closed) onState("failed");
    };
    const session = {
      close() {
        closed = true;
        if (handle) handle.send({message: {request: "stop"}});
        janus.destroy({notifyDestroyed: false});
      },
    };
    const janus = new Janus({
      server: place.url,
      iceServers,
      success: () => janus.attach({
        plugin: "janus.plugin.streaming",
        success: (attached) => {
          handle = attached;
          handle.send({message: {request: "watch", id: place.mountpoint}});
        },
        error: fail,
        onmessage: (message, jsep) => {
          if (message.error) {
            // 455: no such mountpoint — it was destroyed, so the broadcast has ended
            if (message.error_code === 455) { settled ? onState("ended") : fail({ended: true}); }
            else fail(new Error(message.error));
            return;
          }
          const status = message.result && message.result.status;
          if (status === "stopped") onState("ended");
          if (!jsep) return;
          handle.createAnswer({
            jsep,
            tracks: [{type: "data"}],  // audio and video are taken as offered, receive-only
            success: (answer) => {
              handle.send({message: {request: "start"}, jsep: answer});
              settled = true;
              resolve(session);
            },
            error: fail,
          });
        },
        onremotetrack: (track, mid, added) => {
          if (added && !stream.getTracks().includes(track)) stream.addTrack(track);
          if (!added) stream.getTracks().filter((t) => t.id === track.id)
            .forEach((t) => stream.removeTrack(t));
          video.srcObject = stream;
        },
        webrtcState: (up) => { if (!closed) onState(up ? "playing" : "failed"); },
        iceState: (state) => { if (!closed && state === "failed") onState("failed"); },
        hangup: () => { if (!closed && settled) onState("failed"); },
      }),
      error: fail,
    });
  });
};
