package main

import (
	"net/http"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

// The run contract: SIGTERM drains and exits 0, and the process answers
// /healthz while it runs.
func TestProcessStopsOnSIGTERM(t *testing.T) {
	t.Parallel()
	p := startProcess(t, t.TempDir())
	resp, err := http.Get(p.url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz = %d", resp.StatusCode)
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("sluice serve did not exit within 30s of SIGTERM")
	}
}

func TestVersionCommand(t *testing.T) {
	t.Parallel()
	bin, err := buildBinary()
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil || !strings.HasPrefix(string(out), "sluice "+version) {
		t.Fatalf("version = %q, %v", out, err)
	}
}

// Environment variables set what no flag on the command line sets.
func TestConfigFromEnvironment(t *testing.T) {
	t.Parallel()
	cmd := newServeCommand()
	if err := cmd.Flags().Parse([]string{"--listen", "127.0.0.1:9999"}); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"SLUICE_LISTEN": "127.0.0.1:1111", "SLUICE_DATA_DIR": "/tmp/elsewhere",
		"SLUICE_ACCESS_KEY_ID": "AKID", "SLUICE_SECRET_ACCESS_KEY": "secret", "SLUICE_ACCOUNT_ID": "111122223333",
	}
	var cfg Config
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	if err := cfg.applyEnv(cmd.Flags(), lookup); err != nil {
		t.Fatal(err)
	}
	get := func(name string) string { return flagValue(t, cmd.Flags(), name) }
	if get("listen") != "127.0.0.1:9999" || get("data-dir") != "/tmp/elsewhere" {
		t.Fatalf("listen %q data-dir %q", get("listen"), get("data-dir"))
	}
	if cfg.AccessKeyID != "AKID" || cfg.SecretAccessKey != "secret" || cfg.AccountID != "111122223333" || !cfg.hasCredentials() {
		t.Fatalf("credential = %+v", cfg)
	}
}

func flagValue(t *testing.T, fs *pflag.FlagSet, name string) string {
	t.Helper()
	f := fs.Lookup(name)
	if f == nil {
		t.Fatalf("no flag %s", name)
	}
	return f.Value.String()
}
