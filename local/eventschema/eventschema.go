// Package eventschema holds the tests to the published schema of the
// profile change events, shared/api/events.schema.json, whose profile
// schemas are those of the API's contract, openapi.yaml beside it. Only
// tests import it.
package eventschema

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"

	"github.com/profiles-service/profiles/local/samtemplate"
)

var compiled = sync.OnceValues(compile)

// compile reads both documents from shared/api and compiles the event
// schema, each document at its file URL, so the schema's relative
// references ("openapi.yaml#/components/schemas/Profile") reach the API's
// own schemas.
func compile() (*jsonschema.Schema, error) {
	tpl, err := samtemplate.Find(".")
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(filepath.Dir(tpl), "shared", "api")
	fileURL := func(name string) string {
		return (&url.URL{Scheme: "file", Path: filepath.ToSlash(filepath.Join(dir, name))}).String()
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	docs := map[string]any{}
	for _, name := range []string{"openapi.yaml", "events.schema.json"} {
		raw, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		if docs[name], err = jsonDocument(raw); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if err := c.AddResource(fileURL(name), docs[name]); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	// The schema's $id (which carries the API's version) is the base of its
	// relative references: the contract is beside it there too.
	if id, _ := docs["events.schema.json"].(map[string]any)["$id"].(string); id != "" {
		base, err := url.Parse(id)
		if err != nil {
			return nil, fmt.Errorf("events.schema.json: $id: %w", err)
		}
		if err := c.AddResource(base.ResolveReference(&url.URL{Path: "openapi.yaml"}).String(), docs["openapi.yaml"]); err != nil {
			return nil, err
		}
	}
	return c.Compile(fileURL("events.schema.json"))
}

// jsonDocument reads a JSON or YAML document as the validator takes it.
func jsonDocument(raw []byte) (any, error) {
	var v any
	if err := yaml.Unmarshal(raw, &v); err != nil {
		return nil, err
	}
	j, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return jsonschema.UnmarshalJSON(bytes.NewReader(j))
}

// Check fails the test unless event, one event as JSON, is valid.
func Check(tb testing.TB, event []byte) {
	tb.Helper()
	if err := Validate(event); err != nil {
		tb.Errorf("the event breaks shared/api/events.schema.json: %v\n%s", err, event)
	}
}

// Validate is nil when event, one event as JSON, is valid.
func Validate(event []byte) error {
	sch, err := compiled()
	if err != nil {
		return fmt.Errorf("compile the event schema: %w", err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(event))
	if err != nil {
		return err
	}
	return sch.Validate(v)
}

// ReadFile reads an events file (profileevents.File's JSON lines, each
// decoded as an E; none when it does not exist yet), holding each line to
// the published schema. E is the caller's event type: package profileevents'
// own tests import this package.
func ReadFile[E any](tb testing.TB, path string) []E {
	tb.Helper()
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var evs []E
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		Check(tb, sc.Bytes())
		var ev E
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			tb.Fatalf("events file: %v: %s", err, sc.Bytes())
		}
		evs = append(evs, ev)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return evs
}
