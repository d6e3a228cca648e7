# bianmin — two targets for a newcomer on a fresh Debian 12 / Ubuntu machine:
#
#   make run    install what is missing, build, open the window on the default database
#   make test   install what is missing, go vet, go test -race (window tests under Xvfb),
#               then the Windows build and its installer checked under Wine
#
# Both install missing Debian packages with apt-get (through sudo when not root).
# Go itself is not installed by this file: get Go 1.26 from the Go website
# (it is expected in /usr/local/go or on PATH).

SHELL := /bin/bash
.DEFAULT_GOAL := help

export PATH := $(PATH):/usr/local/go/bin
# Fyne logs an error for LANG=C; tests and the app run with a UTF-8 locale name.
export LANG := en_US.UTF-8

GO  ?= go
BIN ?= bianmin
# DB=path/to/file.db overrides the database of `make run` (default: the user config folder).
DB  ?=

# gcc + pkg-config + the GL/X11 headers: cgo build of Fyne's GLFW driver.
# xvfb + xauth: the real-window tests. fonts-wqy-microhei: the CJK font the
# UI font is taken from (assets/fonts/ttc2ttf.go) and a system fallback.
# poppler-utils: pdftoppm/pdftotext for the PDF report tests. espeak-ng: the
# hall display's voice (a chime is played without it; its test then skips).
# python3-openpyxl: an independent reader of the report workbook in its test.
APT_PACKAGES := gcc pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev \
	libxinerama-dev libxi-dev libxxf86vm-dev libxkbcommon-dev xvfb xauth \
	fonts-wqy-microhei poppler-utils espeak-ng python3-openpyxl cups-daemon cups-client

.PHONY: wine-check help run test deps go-check build vet lint unit-and-window-tests clean sign-release windows deb nogui arm64

help:
	@echo "make run    — 安装缺少的软件包，编译并打开桌面窗口 / install, build and open the window"
	@echo "make test   — go vet + go test -race（窗口测试在 Xvfb 中运行）/ vet and all tests"
	@echo "make windows — dist/bianmin.exe 和安装程序 dist/bianmin-setup-版本.exe / the Windows build and installer"
	@echo "make deb    — dist/bianmin_版本_amd64.deb（统信UOS、银河麒麟、Debian）/ the Linux package"
	@echo "make nogui  — 无窗口的中心主机版 dist/bianmin-linux-arm64-nogui 等 / the headless hub for ARM and LoongArch"
	@echo "make arm64  — ARM 电脑的完整版（含窗口）dist/bianmin-linux-arm64 / the full program for ARM PCs"

run: build
	./$(BIN) $(if $(DB),--db "$(DB)")

test: deps vet lint unit-and-window-tests wine-check

# --- helpers -----------------------------------------------------------------

go-check:
	@command -v $(GO) >/dev/null 2>&1 || { \
	  echo "未找到 Go。请先安装 Go 1.26（解压到 /usr/local/go），再运行 make。"; \
	  echo "Go is not installed: install Go 1.26 (e.g. into /usr/local/go) and run make again."; \
	  exit 1; }
	@$(GO) version

deps: go-check
	@missing=""; \
	for p in $(APT_PACKAGES); do \
	  dpkg -s "$$p" >/dev/null 2>&1 || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then echo "deps: all Debian packages present"; exit 0; fi; \
	if ! command -v apt-get >/dev/null 2>&1; then \
	  echo "请安装 / please install:$$missing"; exit 1; fi; \
	sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	echo "deps: installing$$missing"; \
	$$sudo apt-get update && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y --no-install-recommends $$missing

build: deps
	$(GO) build -o $(BIN) .

vet: deps
	$(GO) vet ./...

# staticcheck's default checks plus the doc-comment and naming ones
# (staticcheck.conf); no function of the program above cyclomatic complexity
# 30 (tests are long scripts and left out); no function that neither the
# program nor a test reaches (deadcode -test). Pinned versions from the Go
# module proxy.
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
GOCYCLO     := github.com/fzipp/gocyclo/cmd/gocyclo@v0.6.0
DEADCODE    := golang.org/x/tools/cmd/deadcode@v0.52.0
lint: deps
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' | grep -v '^third_party/')); \
	if [ -n "$$unformatted" ]; then echo "gofmt: not formatted:"; echo "$$unformatted"; exit 1; fi
	$(GO) run $(STATICCHECK) ./...
	@$(GO) run $(GOCYCLO) -over 30 -ignore '_test\.go$$|^third_party/' . || \
	  { echo "gocyclo: the functions above are over 30: split them"; exit 1; }
	@dead=$$($(GO) run $(DEADCODE) -test ./...); \
	if [ -n "$$dead" ]; then echo "deadcode: unreachable even from the tests:"; echo "$$dead"; exit 1; fi

# One `go test` run under Xvfb: the headless packages ignore the display, the
# real-window tests in internal/gui (gui_test.go) need it and
# BIANMIN_WINDOW_TESTS=1. -count=1 so a cached pass never hides a changed machine.
unit-and-window-tests: deps
	BIANMIN_WINDOW_TESTS=1 xvfb-run -a -s "-screen 0 1366x768x24" $(GO) test -race -count=1 ./...

clean:
	rm -rf $(BIN) dist build rsrc_windows_amd64.syso

# The Windows .exe and installer, proven under Wine (scripts/wine-check): the
# same figures as the Linux build on the same database and seed, a silent
# install, uninstall keeping the data, reinstall.
wine-check: windows
	scripts/wine-check

# --- release artefacts ---------------------------------------------------------

# The version and build number are FyneApp.toml's (TestVersionMatchesFyneApp
# keeps app.Version equal to them).
VERSION ?= $(shell sed -n 's/^ *Version *= *"\(.*\)"/\1/p' FyneApp.toml)
BUILDNO := $(shell sed -n 's/^ *Build *= *\([0-9]*\)/\1/p' FyneApp.toml)
VPARTS  := $(subst ., ,$(VERSION))

# Cross-built on Linux with mingw-w64: the window's GUI subsystem (no console
# behind it; the CLI attaches to the console it is started from), icon,
# version and manifest as resources (windres → .syso, linked by go build),
# then the NSIS installer.
windows: go-check
	@$(MAKE) --no-print-directory APT_PACKAGES="gcc-mingw-w64-x86-64 binutils-mingw-w64-x86-64 nsis imagemagick" deps
	mkdir -p dist build/windows
	convert assets/icon.png -define icon:auto-resize=256,64,48,32,16 build/windows/bianmin.ico
	cp packaging/windows/bianmin.manifest build/windows/
	sed -e 's/@VERSION@/$(VERSION)/g' -e 's/@V1@/$(word 1,$(VPARTS))/g' -e 's/@V2@/$(word 2,$(VPARTS))/g' \
	  -e 's/@V3@/$(word 3,$(VPARTS))/g' -e 's/@BUILD@/$(BUILDNO)/g' packaging/windows/bianmin.rc.in > build/windows/bianmin.rc
	cd build/windows && x86_64-w64-mingw32-windres -c 65001 -O coff -o ../../rsrc_windows_amd64.syso bianmin.rc
	GOOS=windows GOARCH=amd64 CGO_ENABLED=1 CC=x86_64-w64-mingw32-gcc \
	  $(GO) build -trimpath -ldflags "-H=windowsgui -s -w" -o dist/bianmin.exe .
	rm -f rsrc_windows_amd64.syso
	cp packaging/windows/installer.nsi build/windows/
	makensis -V2 -DVERSION=$(VERSION) -DDIST=$(CURDIR)/dist build/windows/installer.nsi
	@ls -l dist/bianmin.exe dist/bianmin-setup-$(VERSION).exe

# The Debian package for UOS, Kylin and Debian/Ubuntu (amd64): the program,
# its desktop entry and icon; the GL and X11 libraries it links declared.
DEB := dist/bianmin_$(VERSION)_amd64.deb
deb: deps
	@$(MAKE) --no-print-directory APT_PACKAGES="imagemagick dpkg-dev" deps
	rm -rf build/deb && mkdir -p dist build/deb/DEBIAN build/deb/usr/bin build/deb/usr/share/applications \
	  build/deb/usr/share/icons/hicolor/256x256/apps build/deb/usr/share/doc/bianmin
	$(GO) build -trimpath -ldflags "-s -w" -o build/deb/usr/bin/bianmin .
	install -m 0644 packaging/linux/bianmin.desktop build/deb/usr/share/applications/
	convert assets/icon.png -resize 256x256 build/deb/usr/share/icons/hicolor/256x256/apps/bianmin.png
	install -m 0644 README.md build/deb/usr/share/doc/bianmin/
	sed -e 's/@VERSION@/$(VERSION)/' -e "s/@SIZE@/$$(du -sk build/deb/usr | cut -f1)/" \
	  packaging/linux/control.in > build/deb/DEBIAN/control
	dpkg-deb --root-owner-group -Zxz --build build/deb $(DEB)
	@dpkg-deb --info $(DEB) | sed -n '/Package:/,$$p'

# The hub and the CLI without the window, for a 中心主机 on ARM or LoongArch:
# no cgo, no GL; `bianmin serve` and every command.
nogui: go-check
	mkdir -p dist
	for a in arm64 loong64 amd64; do \
	  CGO_ENABLED=0 GOOS=linux GOARCH=$$a $(GO) build -trimpath -tags nogui -ldflags "-s -w" -o dist/bianmin-linux-$$a-nogui . || exit 1; \
	done
	@ls -l dist/bianmin-linux-*-nogui

# The full program (window included) for ARM PCs (Kunpeng, Phytium running
# UOS or Kylin), cross-built with Debian's aarch64 compiler against the arm64
# GL/X11 headers (multiarch: adds the arm64 architecture to this machine).
ARM64_PACKAGES := gcc-aarch64-linux-gnu libc6-dev-arm64-cross libgl1-mesa-dev:arm64 libx11-dev:arm64 \
	libxcursor-dev:arm64 libxrandr-dev:arm64 libxinerama-dev:arm64 libxi-dev:arm64 libxxf86vm-dev:arm64 \
	libxkbcommon-dev:arm64
arm64: go-check
	@sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	dpkg --print-foreign-architectures | grep -qx arm64 || { $$sudo dpkg --add-architecture arm64 && $$sudo apt-get update -qq; }
	@$(MAKE) --no-print-directory APT_PACKAGES="$(ARM64_PACKAGES)" deps
	mkdir -p dist
	PKG_CONFIG_PATH=/usr/lib/aarch64-linux-gnu/pkgconfig GOOS=linux GOARCH=arm64 CGO_ENABLED=1 CC=aarch64-linux-gnu-gcc \
	  $(GO) build -trimpath -ldflags "-s -w" -o dist/bianmin-linux-arm64 .
	@file dist/bianmin-linux-arm64

# The publisher signs a release file (FILE.minisig next to it). The private
# key stays outside the repository and off every centre PC; its password
# comes from BIANMIN_SIGN_PASSWORD. Example:
#   BIANMIN_SIGN_PASSWORD=… make sign-release FILE=dist/bianmin.exe PLATFORM=windows/amd64 KEY=$$HOME/.bianmin-release/bianmin-publisher.key
sign-release: build
	@test -n "$(FILE)" -a -n "$(PLATFORM)" -a -n "$(KEY)" || { \
	  echo "用法 Usage: BIANMIN_SIGN_PASSWORD=… make sign-release FILE=程序文件 PLATFORM=windows/amd64 KEY=私钥文件"; exit 2; }
	./$(BIN) release-sign --key "$(KEY)" --platform "$(PLATFORM)" $(if $(VERSION),--version "$(VERSION)") "$(FILE)"
