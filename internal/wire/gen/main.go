// Command gen generates the wire shapes, validators and operation table of
// package wire from the Smithy 2.0 JSON AST of the CodePipeline model.
//
// Run it through `go generate ./internal/wire` from the repository root. It
// writes types_gen.go, validate_gen.go and operations_gen.go. The output
// depends only on the model, so regenerating gives identical files.
package main

import (
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"sort"
)

const modelFromRoot = "../shared/model/codepipeline-2015-07-09.json"

func main() {
	log.SetFlags(0)
	log.SetPrefix("wire/gen: ")
	modelPath := flag.String("model", "", "Smithy JSON AST of the service (default <repo root>/"+modelFromRoot+")")
	outDir := flag.String("out", "", "directory to write the generated files into (default <repo root>/internal/wire)")
	flag.Parse()

	if *modelPath == "" || *outDir == "" {
		root, err := repoRoot()
		if err != nil {
			log.Fatal(err)
		}
		if *modelPath == "" {
			*modelPath = filepath.Join(root, modelFromRoot)
		}
		if *outDir == "" {
			*outDir = filepath.Join(root, "internal", "wire")
		}
	}
	src, err := os.ReadFile(*modelPath)
	if err != nil {
		log.Fatal(err)
	}
	files, err := generate(src, filepath.Base(*modelPath))
	if err != nil {
		log.Fatal(err)
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := writeIfChanged(filepath.Join(*outDir, name), files[name]); err != nil {
			log.Fatal(err)
		}
	}
}

// repoRoot walks up from the working directory to the directory holding go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory; pass -model and -out")
		}
		dir = parent
	}
}

// writeIfChanged leaves files with identical content untouched, so their
// modification times do not change on a no-op regeneration.
func writeIfChanged(path string, data []byte) error {
	if old, err := os.ReadFile(path); err == nil && string(old) == string(data) {
		return nil
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
