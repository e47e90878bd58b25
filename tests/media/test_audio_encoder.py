"""Opus packets are stamped on the stream clock, evenly, and catch up after a gap."""

import av
import numpy as np

from ciasom.media.encoder import AudioEncoder


def tone(samples: int = 960) -> av.AudioFrame:
    t = np.arange(samples) / 48000
    wave = (8000 * np.sin(2 * np.pi * 440 * t)).astype(np.int16)[None, :]
    frame = av.AudioFrame.from_ndarray(
        np.repeat(wave, 2, axis=0).reshape(1, -1), format="s16", layout="stereo"
    )
    frame.sample_rate = 48000
    return frame


def stamps(encoder: AudioEncoder, start: int, frames: int) -> list[int]:
    return [p.pts for i in range(frames) for p in encoder.encode(tone(), start + 960 * i)]


def test_packets_are_evenly_spaced_despite_arrival_jitter():
    encoder = AudioEncoder()
    packets = [
        p.pts for i in range(50) for p in encoder.encode(tone(), 960 * i + (37 if i % 2 else -41))
    ]
    assert np.all(np.diff(packets) == 960)


def test_after_a_gap_audio_is_stamped_where_it_belongs_not_where_counting_left_off():
    encoder = AudioEncoder()
    before = stamps(encoder, 0, 50)  # one second
    after = stamps(encoder, 48000 * 11, 50)  # nobody listened for ten seconds
    assert after[0] - before[-1] > 48000 * 9
    assert np.all(np.diff(after) == 960)
