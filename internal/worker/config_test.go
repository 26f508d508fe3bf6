package worker

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	write := func(body string) string {
		path := filepath.Join(dir, "c.yaml")
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	c, err := LoadConfig(write("repositories: {r: /srv/r}\nprojects:\n  p: {timeout: 5m}\nchangeDetection: 2s\n"))
	if err != nil || c.Repositories["r"] != "/srv/r" || c.Projects["p"].Timeout != 5*time.Minute || c.changeInterval() != 2*time.Second {
		t.Fatalf("config = %+v, %v", c, err)
	}
	for body, want := range map[string]string{
		"repositorys: {}\n":                       "not found",
		"functions:\n  f: {}\n":                   "exactly one of command and url",
		"functions:\n  f: {url: x, command: [a]}": "exactly one of command and url",
		"custom:\n  - {category: Build}\n":        "are required",
	} {
		if _, err := LoadConfig(write(body)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error = %v, want %q", body, err, want)
		}
	}
	if c, err := LoadConfig(""); err != nil || c.changeInterval() != 30*time.Second {
		t.Fatalf("no file: %+v, %v", c, err)
	}
}

func TestReadVariables(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vars")
	if err := os.WriteFile(path, []byte("A=1\n B = two=2\nnot a pair\n=skip\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	vars, err := readVariables(path)
	if err != nil || len(vars) != 2 || vars["A"] != "1" || vars["B"] != " two=2" {
		t.Fatalf("vars = %q, %v", vars, err)
	}
	if vars, err := readVariables(path + "-missing"); err != nil || vars != nil {
		t.Fatalf("missing file: %v, %v", vars, err)
	}
	if got := envName("my-artifact.v2"); got != "MY_ARTIFACT_V2" {
		t.Fatalf("envName = %q", got)
	}
}
