package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const modelFromHere = "../../../../shared/model/codepipeline-2015-07-09.json"

// TestGeneratedUpToDate regenerates from the model and compares with the
// committed files, and checks that two runs give identical output.
func TestGeneratedUpToDate(t *testing.T) {
	src, err := os.ReadFile(modelFromHere)
	if err != nil {
		t.Skipf("model not available: %v", err)
	}
	first, err := generate(src, filepath.Base(modelFromHere))
	if err != nil {
		t.Fatal(err)
	}
	second, err := generate(src, filepath.Base(modelFromHere))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"types_gen.go", "validate_gen.go", "operations_gen.go"} {
		if !bytes.Equal(first[name], second[name]) {
			t.Errorf("%s: two runs differ", name)
		}
		committed, err := os.ReadFile(filepath.Join("..", name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !bytes.Equal(committed, first[name]) {
			t.Errorf("%s is stale: run go generate ./internal/wire", name)
		}
	}
	if len(first) != 3 {
		t.Errorf("generated %d files, want 3", len(first))
	}
}

const tinyModel = `{
  "smithy": "2.0",
  "shapes": {
    "ex#Svc": {"type": "service", "operations": [{"target": "ex#Op"}],
      "traits": {"aws.api#service": {"sdkId": "Example"}}},
    "ex#Op": {"type": "operation", "input": {"target": "ex#OpInput"}, "output": {"target": "smithy.api#Unit"},
      "errors": [{"target": "ex#Oops"}]},
    "ex#OpInput": {"type": "structure", "members": {
      "name": {"target": "ex#Name", "traits": {"smithy.api#required": {}, "smithy.api#documentation": "SECRET DOC"}},
      "short": {"target": "ex#Name", "traits": {"smithy.api#length": {"max": 3}}},
      "ratio": {"target": "smithy.api#Double", "traits": {"smithy.api#range": {"min": 0.5}}},
      "items": {"target": "ex#Items"}
    }},
    "ex#Name": {"type": "string", "traits": {"smithy.api#pattern": "PATTERN"}},
    "ex#Items": {"type": "list", "member": {"target": "ex#Color"}},
    "ex#Color": {"type": "string", "traits": {"smithy.api#enum": [{"value": "red", "name": "RED"}, {"value": "dark-blue"}]}},
    "ex#Oops": {"type": "structure", "members": {"message": {"target": "smithy.api#String"}},
      "traits": {"smithy.api#error": "client"}}
  }
}`

func tiny(pattern string) []byte {
	return []byte(strings.Replace(tinyModel, "PATTERN", pattern, 1))
}

func TestTinyModel(t *testing.T) {
	files, err := generate(tiny(`^[a-z]+\\u0041?$`), "tiny.json")
	if err != nil {
		t.Fatal(err)
	}
	all := string(files["types_gen.go"]) + string(files["validate_gen.go"]) + string(files["operations_gen.go"])
	for _, want := range []string{
		"type OpInput struct",
		"Name  *string  `json:\"name,omitempty\"`",
		"Items []Color  `json:\"items,omitzero\"`",
		"ColorRED       Color = \"red\"",
		"Colordark_blue Color = \"dark-blue\"",
		`regexp.MustCompile(` + "`^(?:^[a-z]+\\x{0041}?$)$`",
		"func checkOpInputShort(v *validator, x string)",
		"Member must have value greater than or equal to 0.5",
		"Member must satisfy enum value set: [red, dark-blue]",
		"Member must satisfy regular expression pattern: [a-z]+\\u0041?",
		"UnitOutput: true",
		`Errors:     []string{"Oops"}`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if strings.Contains(all, "SECRET DOC") {
		t.Error("model documentation leaked into the output")
	}
	if strings.Contains(all, "type Oops") {
		t.Error("error shape generated")
	}
}

func TestPatternsThatRE2CannotTake(t *testing.T) {
	for _, p := range []string{`^(?=a)b$`, `^(a)\\1$`, `^[a-$`} {
		_, err := generate(tiny(p), "tiny.json")
		if err == nil || !strings.Contains(err.Error(), "ex#Name: pattern") {
			t.Errorf("pattern %s: err = %v, want a failure naming ex#Name", p, err)
		}
	}
}

func TestAnchorPattern(t *testing.T) {
	tests := []struct{ in, source, display string }{
		{`^[A-Za-z0-9.@\-_]+$`, `^(?:^[A-Za-z0-9.@\-_]+$)$`, `[A-Za-z0-9.@\-_]+`},
		{`^AWS|ThirdParty$`, `^(?:^AWS|ThirdParty$)$`, `AWS|ThirdParty`},
		{`^arn:aws(-[\w]+)*:iam::[0-9]{12}:role/`, `^(?:^arn:aws(-[\w]+)*:iam::[0-9]{12}:role/).*$`, `arn:aws(-[\w]+)*:iam::[0-9]{12}:role/.*`},
		{`.*`, `^(?:.*)$`, `.*`},
		{`abc$`, `^.*(?:abc$)$`, `.*abc`},
		{`^a\$`, `^(?:^a\$).*$`, `a\$.*`},
	}
	for _, tt := range tests {
		source, display, err := anchorPattern(tt.in)
		if err != nil || source != tt.source || display != tt.display {
			t.Errorf("anchorPattern(%s) = %s, %s, %v; want %s, %s", tt.in, source, display, err, tt.source, tt.display)
		}
	}
}
