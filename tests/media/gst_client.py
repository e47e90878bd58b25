"""A WHIP publisher or WHEP player built on GStreamer's ``webrtcbin``, like non-browser clients.

GStreamer-based publishers and players (gst-plugins-rs' WHIP/WHEP elements, applications on
webrtcbin) use webrtcbin, whose DTLS certificate is RSA, and libnice for ICE. This client
reproduces them with nothing but Debian's GStreamer, so it runs under the **system**
``python3`` (PyGObject), not the project venv. libnice ignores loopback interfaces: run it
where a non-loopback address such as 127.0.1.1 exists and the server offers that address
(DESIGN §5).

    python3 gst_client.py whip URL --bearer KEY --colour RRGGBB  # publish until SIGTERM
    python3 gst_client.py whep URL --frames N                    # watch N frames

One JSON object per line on stdout: ``{"event": "answered", "status": 201}``,
``{"event": "state", "ice": ..., "peer": ...}``, ``{"event": "frames", "count": N,
"width": W, "height": H, "rgb": [r, g, b]}`` (the centre pixel of the last decoded frame),
``{"event": "deleted", "status": 200}``, ``{"event": "error", "message": ...}``. Exit 0 once
the job is done, 1 on any failure.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstSdp", "1.0")
gi.require_version("GstVideo", "1.0")
gi.require_version("GstWebRTC", "1.0")
from gi.repository import GLib, Gst, GstSdp, GstVideo, GstWebRTC  # noqa: E402

VP8 = "application/x-rtp,media=video,encoding-name=VP8,payload=96,clock-rate=90000"
# A solid colour (RRGGBB) that a viewer can recognise after the VP8 round trips.
PUBLISHER = (
    "webrtcbin name=webrtc bundle-policy=max-bundle "
    "videotestsrc is-live=true pattern=solid-color foreground-color=0xff{colour} "
    "! video/x-raw,width=320,height=240,framerate=30/1 ! videoconvert "
    "! vp8enc deadline=1 keyframe-max-dist=30 ! rtpvp8pay pt=96 "
    f"! {VP8} ! webrtc."
)


def report(event: str, **fields: Any) -> None:
    print(json.dumps({"event": event, **fields}), flush=True)


def post(url: str, body: bytes | None, method: str, headers: dict[str, str]) -> tuple[int, Any]:
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, (response.headers, response.read())
    except urllib.error.HTTPError as error:
        return error.code, (error.headers, error.read())


class Client:
    """Offer from webrtcbin once ICE gathering is complete (WHIP/WHEP are non-trickle here),
    POST it, apply the 201's answer; stop the main loop when the job is done or fails."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.loop = GLib.MainLoop()
        self.failed = False
        self.session: str | None = None
        self.frames = 0
        self.connected = False
        if args.kind == "whip":
            self.pipeline = Gst.parse_launch(PUBLISHER.format(colour=args.colour))
            self.webrtc = self.pipeline.get_by_name("webrtc")
        else:
            self.pipeline = Gst.Pipeline.new("player")
            self.webrtc = Gst.ElementFactory.make("webrtcbin", "webrtc")
            self.webrtc.set_property("bundle-policy", "max-bundle")
            self.pipeline.add(self.webrtc)
            self.webrtc.emit(
                "add-transceiver",
                GstWebRTC.WebRTCRTPTransceiverDirection.RECVONLY,
                Gst.Caps.from_string(VP8),
            )
            self.webrtc.connect("pad-added", self.on_pad_added)
        self.webrtc.connect("on-negotiation-needed", self.on_negotiation_needed)
        self.webrtc.connect("notify::ice-gathering-state", self.on_gathering)
        self.webrtc.connect("notify::connection-state", self.on_state)
        self.pipeline.get_bus().add_signal_watch()
        self.pipeline.get_bus().connect("message::error", self.on_error)

    def run(self) -> int:
        if self.args.kind == "whip":
            # WHIP publishers send only; an answer's recvonly then matches our direction.
            transceiver = self.webrtc.emit("get-transceiver", 0)
            transceiver.set_property("direction", GstWebRTC.WebRTCRTPTransceiverDirection.SENDONLY)
        GLib.timeout_add_seconds(self.args.timeout, self.on_timeout)
        self.pipeline.set_state(Gst.State.PLAYING)
        self.loop.run()
        self.pipeline.set_state(Gst.State.NULL)
        return 1 if self.failed else 0

    def fail(self, message: str) -> None:
        report("error", message=message)
        self.failed = True
        self.loop.quit()

    # -- signalling ------------------------------------------------------------------------

    def on_negotiation_needed(self, webrtc: Gst.Element) -> None:
        webrtc.emit("create-offer", None, Gst.Promise.new_with_change_func(self.on_offer))

    def on_offer(self, promise: Gst.Promise) -> None:
        reply = promise.get_reply()  # owns the offer: keep it referenced while the offer is used
        offer = reply.get_value("offer")
        self.webrtc.emit("set-local-description", offer, Gst.Promise.new())

    def on_gathering(self, webrtc: Gst.Element, _spec: Any) -> None:
        if webrtc.get_property("ice-gathering-state") != GstWebRTC.WebRTCICEGatheringState.COMPLETE:
            return
        offer = webrtc.get_property("local-description").sdp.as_text()
        threading.Thread(target=self.exchange, args=(offer,), daemon=True).start()

    def exchange(self, offer: str) -> None:
        headers = {"Content-Type": "application/sdp"}
        if self.args.bearer:
            headers["Authorization"] = f"Bearer {self.args.bearer}"
        status, (response_headers, body) = post(self.args.url, offer.encode(), "POST", headers)
        report("answered", status=status)
        if status != 201:
            GLib.idle_add(self.fail, f"{status}: {body[:300].decode(errors='replace')}")
            return
        self.session = urllib.parse.urljoin(self.args.url, response_headers["Location"])
        _, message = GstSdp.SDPMessage.new_from_text(body.decode())
        answer = GstWebRTC.WebRTCSessionDescription.new(GstWebRTC.WebRTCSDPType.ANSWER, message)
        self.webrtc.emit("set-remote-description", answer, Gst.Promise.new())

    def on_state(self, webrtc: Gst.Element, _spec: Any) -> None:
        peer = webrtc.get_property("connection-state")
        ice = webrtc.get_property("ice-connection-state")
        report("state", ice=ice.value_nick, peer=peer.value_nick)
        if peer == GstWebRTC.WebRTCPeerConnectionState.FAILED:
            GLib.idle_add(self.fail, "peer connection failed")
        elif peer == GstWebRTC.WebRTCPeerConnectionState.CONNECTED:
            self.connected = True

    # -- publishing ------------------------------------------------------------------------

    def delete(self) -> bool:
        """End the WHIP session the way a publisher does when it stops (RFC 9725 §4.2)."""
        if self.session is not None:
            status, _ = post(self.session, None, "DELETE", {})
            report("deleted", status=status)
        self.loop.quit()
        return GLib.SOURCE_REMOVE

    # -- playing ---------------------------------------------------------------------------

    def on_pad_added(self, webrtc: Gst.Element, pad: Gst.Pad) -> None:
        if pad.get_direction() != Gst.PadDirection.SRC:
            return
        decode = Gst.parse_bin_from_description(
            "rtpvp8depay ! vp8dec ! videoconvert ! video/x-raw,format=RGB "
            "! appsink name=sink emit-signals=true sync=false max-buffers=2 drop=true",
            True,
        )
        decode.get_by_name("sink").connect("new-sample", self.on_sample)
        self.pipeline.add(decode)
        decode.sync_state_with_parent()
        pad.link(decode.get_static_pad("sink"))

    def on_sample(self, sink: Gst.Element) -> Gst.FlowReturn:
        sample = sink.emit("pull-sample")
        info = GstVideo.VideoInfo.new_from_caps(sample.get_caps())
        ok, mapped = sample.get_buffer().map(Gst.MapFlags.READ)
        if not ok:
            return Gst.FlowReturn.ERROR
        try:
            at = info.height // 2 * info.stride[0] + info.width // 2 * 3
            rgb = list(mapped.data[at : at + 3])
        finally:
            sample.get_buffer().unmap(mapped)
        self.frames += 1
        if self.frames == self.args.frames:
            report("frames", count=self.frames, width=info.width, height=info.height, rgb=rgb)
            GLib.idle_add(self.loop.quit)
        return Gst.FlowReturn.OK

    # -- failures --------------------------------------------------------------------------

    def on_error(self, _bus: Gst.Bus, message: Gst.Message) -> None:
        error, debug = message.parse_error()
        self.fail(f"{error.message} ({debug})")

    def on_timeout(self) -> bool:
        if self.args.kind == "whip" and self.connected:
            return GLib.SOURCE_REMOVE  # a publisher that got through sends until SIGTERM
        self.fail(f"timed out after {self.args.timeout} s ({self.frames} frames decoded)")
        return GLib.SOURCE_REMOVE


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=["whip", "whep"])
    parser.add_argument("url")
    parser.add_argument("--bearer", help="WHIP stream key")
    parser.add_argument("--colour", default="3070c0", help="WHIP: RRGGBB of every frame")
    parser.add_argument("--frames", type=int, default=30, help="WHEP: frames to decode")
    parser.add_argument("--timeout", type=int, default=20, help="seconds before giving up")
    args = parser.parse_args()
    Gst.init(None)
    client = Client(args)
    if args.kind == "whip":
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, client.delete)
    return client.run()


if __name__ == "__main__":
    sys.exit(main())
