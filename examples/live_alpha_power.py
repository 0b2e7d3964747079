"""Stream a synthetic board and plot its alpha power live.

Subscribes to the account's synthetic BrainFlow board (starting its stream
on channels 1-4 if it is not streaming), keeps the last two seconds of each
channel, and once a second computes the alpha band power (8-13 Hz, Welch's
PSD integrated over the band) per channel. The figure is redrawn into a PNG
file at every update, so it also works headless (Matplotlib's Agg backend),
and the script ends after --seconds.

    NEUROGATE_TARGET=127.0.0.1:50051 NEUROGATE_API_KEY=... \
        python examples/live_alpha_power.py --seconds 10 --png alpha.png
"""

from __future__ import annotations

import argparse
import time
from collections import deque

import matplotlib

matplotlib.use("Agg")  # no display needed: the figure goes to a file

import matplotlib.pyplot as plt
import numpy as np
from scipy import integrate, signal

from neurogate.client import Client

ALPHA_HZ = (8.0, 13.0)
WINDOW_SECONDS = 2.0
CHANNELS = [1, 2, 3, 4]


def alpha_power(window: np.ndarray, sample_rate: float) -> np.ndarray:
    """Alpha band power per channel (uV^2) of a (samples x channels) window."""
    freqs, psd = signal.welch(window, fs=sample_rate, nperseg=min(len(window), 256), axis=0)
    band = (freqs >= ALPHA_HZ[0]) & (freqs <= ALPHA_HZ[1])
    return integrate.trapezoid(psd[band], freqs[band], axis=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="how long to stream")
    parser.add_argument("--png", default="alpha_power.png", help="figure to write")
    args = parser.parse_args()

    with Client.from_env() as client:
        device = next(d for d in client.devices.list() if d.type == "synthetic")
        started_here = not client.devices.status(device.id).streaming
        if started_here:
            client.devices.start_stream(device.id, channels=CHANNELS)
        history: list[tuple[float, np.ndarray]] = []
        stream = client.devices.stream(device.id, channels=CHANNELS, block_size=25)
        try:
            window: deque[np.ndarray] = deque()
            begin = last_update = time.monotonic()
            for packet in stream:
                window.append(packet.samples)
                samples = np.concatenate(window)
                keep = int(WINDOW_SECONDS * packet.sample_rate)
                while len(samples) - len(window[0]) >= keep:
                    samples = samples[len(window.popleft()) :]
                now = time.monotonic()
                if now - last_update >= 1.0 and len(samples) >= keep:
                    power = alpha_power(samples, packet.sample_rate)
                    history.append((now - begin, power))
                    print(
                        f"t={now - begin:4.1f}s alpha power (uV^2): "
                        + "  ".join(
                            f"ch{c}={p:.2f}" for c, p in zip(packet.channels, power, strict=True)
                        ),
                        flush=True,
                    )
                    draw(history, packet.channels, args.png)
                    last_update = now
                if now - begin >= args.seconds:
                    break
        finally:
            stream.close()
            if started_here:
                client.devices.stop_stream(device.id)
    if not history:
        raise SystemExit("no update: stream for longer than the 2 s window")
    print(f"wrote {args.png}")


def draw(history: list[tuple[float, np.ndarray]], channels: list[int], path: str) -> None:
    times = [t for t, _ in history]
    powers = np.array([p for _, p in history])
    figure, axes = plt.subplots(figsize=(8, 4))
    for column, channel in enumerate(channels):
        axes.plot(times, powers[:, column], marker="o", label=f"channel {channel}")
    axes.set_xlabel("time (s)")
    axes.set_ylabel("alpha power 8-13 Hz (uV²)")
    axes.set_title("Live alpha power")
    axes.legend(loc="upper right")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


if __name__ == "__main__":
    main()
