# bianmin — two targets for a newcomer on a fresh Debian 12 / Ubuntu machine:
#
#   make run    install what is missing, build, open the window on the default database
#   make test   install what is missing, go vet, go test -race (window tests under Xvfb)
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
APT_PACKAGES := gcc pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev \
	libxinerama-dev libxi-dev libxxf86vm-dev libxkbcommon-dev xvfb xauth \
	fonts-wqy-microhei poppler-utils espeak-ng

.PHONY: help run test deps go-check build vet unit-and-window-tests clean sign-release

help:
	@echo "make run    — 安装缺少的软件包，编译并打开桌面窗口 / install, build and open the window"
	@echo "make test   — go vet + go test -race（窗口测试在 Xvfb 中运行）/ vet and all tests"

run: build
	./$(BIN) $(if $(DB),--db "$(DB)")

test: deps vet unit-and-window-tests

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

# One `go test` run under Xvfb: the headless packages ignore the display, the
# real-window tests in package main (gui_test.go) need it and
# BIANMIN_WINDOW_TESTS=1. -count=1 so a cached pass never hides a changed machine.
unit-and-window-tests: deps
	BIANMIN_WINDOW_TESTS=1 xvfb-run -a -s "-screen 0 1366x768x24" $(GO) test -race -count=1 ./...

clean:
	rm -f $(BIN)

# The publisher signs a release file (FILE.minisig next to it). The private
# key stays outside the repository and off every centre PC; its password
# comes from BIANMIN_SIGN_PASSWORD. Example:
#   BIANMIN_SIGN_PASSWORD=… make sign-release FILE=dist/bianmin.exe PLATFORM=windows/amd64 KEY=$$HOME/.bianmin-release/bianmin-publisher.key
sign-release: build
	@test -n "$(FILE)" -a -n "$(PLATFORM)" -a -n "$(KEY)" || { \
	  echo "用法 Usage: BIANMIN_SIGN_PASSWORD=… make sign-release FILE=程序文件 PLATFORM=windows/amd64 KEY=私钥文件"; exit 2; }
	./$(BIN) release-sign --key "$(KEY)" --platform "$(PLATFORM)" $(if $(VERSION),--version "$(VERSION)") "$(FILE)"
