package bulk

import (
	"encoding/json"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
)

func writeFile(path, content string) error { return os.WriteFile(path, []byte(content), 0o600) }

// readAll is every row of in: each good row's item as the batch route gets
// it (JSON), or "error: <its error>", by line.
func readAll(t *testing.T, in string, f Format, match string) map[int]string {
	t.Helper()
	rd, err := NewReader(strings.NewReader(in), f, match)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int]string{}
	for {
		row, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, dup := out[row.Line]; dup {
			t.Fatalf("line %d read twice", row.Line)
		}
		if row.Err != nil {
			out[row.Line] = "error: " + row.Err.Error()
			continue
		}
		b, err := json.Marshal(row.Item)
		if err != nil {
			t.Fatal(err)
		}
		out[row.Line] = string(b)
	}
}

func TestNDJSONRows(t *testing.T) {
	t.Parallel()
	exported := `{"profileId":"6006dda272f002519c3eb505","contacts":[{"contactId":"6006dda272f002519c3eb506","key":"email","value":"m@x.example",` +
		`"createTime":"2021-01-01T00:00:00+00:00","updateTime":"2021-01-01T00:00:00+00:00","uuid":null,"verified":true}],` +
		`"countryNumericCode":"840","country":{"countryId":"x"},"enabled":true,"firstName":"Mary","middleName":null,"lastName":"Smith",` +
		`"name":"Mary Smith","tags":[],"createTime":"2021-01-01T00:00:00+00:00","updateTime":"2021-01-01T00:00:00+00:00","uuid":null}`
	cases := []struct {
		name  string
		match string
		in    string
		want  map[int]string
	}{
		{"an export's line is an upsert by id, read-only fields dropped", MatchAuto, exported, map[int]string{1: `{"op":"upsert","match":"id","id":"6006dda272f002519c3eb505",` +
			`"profile":{"firstName":"Mary","middleName":null,"lastName":"Smith","countryNumericCode":"840","enabled":true,"tags":[],"uuid":null,` +
			`"contacts":[{"key":"email","value":"m@x.example","uuid":null,"verified":true}]}}`}},
		{"auto: a uuid upserts by uuid, none creates", MatchAuto, `{"uuid":"u-1","firstName":"A"}` + "\n" + `{"firstName":"B"}`, map[int]string{
			1: `{"op":"upsert","match":"uuid","profile":{"firstName":"A","uuid":"u-1"}}`,
			2: `{"op":"create","profile":{"firstName":"B"}}`}},
		{"create: even with a uuid", MatchCreate, `{"uuid":"u-1"}`, map[int]string{1: `{"op":"create","profile":{"uuid":"u-1"}}`}},
		{"email: by the email contact", MatchEmail, `{"contacts":[{"key":"email","value":"a@x.example"}]}` + "\n" + `{"firstName":"no email"}`, map[int]string{
			1: `{"op":"upsert","match":"email","profile":{"contacts":[{"key":"email","value":"a@x.example"}]}}`,
			2: "error: match email: the row has no email contact"}},
		{"id is profileId's alias", MatchAuto, `{"id":"6006dda272f002519c3eb505"}`, map[int]string{
			1: `{"op":"upsert","match":"id","id":"6006dda272f002519c3eb505","profile":{}}`}},
		{"bad rows are reported by line, the rest read on", MatchAuto, "{\"firstName\":\"A\"}\n\n  \n{\"firstName\": 3}\n{\"nickname\":\"x\"}\nnot json\n{\"firstName\":\"a\"} {\"lastName\":\"b\"}\n" +
			`{"profileId":"a","id":"b"}` + "\n{\"lastName\":\"Z\"}", map[int]string{
			1: `{"op":"create","profile":{"firstName":"A"}}`,
			4: "error: not a Profile object: firstName: a JSON number where the Profile object has none",
			5: `error: not a Profile object: json: unknown field "nickname"`,
			6: "error: not a Profile object: invalid character 'o' in literal null (expecting 'u')",
			7: "error: not a Profile object: more than one JSON value on the line",
			8: `error: profileId "a" and id "b" differ`,
			9: `{"op":"create","profile":{"lastName":"Z"}}`}},
		{"a line past the limit is one bad row", MatchAuto, `{"firstName":"` + strings.Repeat("x", maxLine) + `"}` + "\n" + `{"firstName":"after"}`, map[int]string{
			1: "error: the line is longer than 1048576 bytes",
			2: `{"op":"create","profile":{"firstName":"after"}}`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := readAll(t, tc.in, NDJSON, tc.match)
			for line, want := range tc.want {
				if got[line] != want {
					t.Errorf("line %d:\n got %s\nwant %s", line, got[line], want)
				}
			}
			if len(got) != len(tc.want) {
				t.Errorf("%d rows, want %d: %v", len(got), len(tc.want), got)
			}
		})
	}
}

func TestCSVRows(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   string
		want map[int]string
	}{
		{"fields, contacts in repeated columns, empty cells absent", "firstName,lastName,email,email,phone,enabled,tags,countryNumericCode\n" +
			"Mary,Smith,m@x.example,mary@work.example,+15551234567,true,blue; green,840\n" +
			"Jo,,,,,,,\n", map[int]string{
			2: `{"op":"create","profile":{"firstName":"Mary","lastName":"Smith","countryNumericCode":"840","enabled":true,"tags":["blue","green"],` +
				`"contacts":[{"key":"email","value":"m@x.example"},{"key":"email","value":"mary@work.example"},{"key":"phone","value":"+15551234567"}]}}`,
			3: `{"op":"create","profile":{"firstName":"Jo"}}`}},
		{"profileId and uuid, read-only columns ignored", "profileId,uuid,createTime,Name\n6006dda272f002519c3eb505,u-1,2021-01-01T00:00:00+00:00,X\n,u-2,,\n", map[int]string{
			2: `{"op":"upsert","match":"id","id":"6006dda272f002519c3eb505","profile":{"uuid":"u-1"}}`,
			3: `{"op":"upsert","match":"uuid","profile":{"uuid":"u-2"}}`}},
		{"bad rows by line, a quoted field spanning lines counted", "firstName,enabled\n\"two\nlines\",yes\nA,true,extra\nB,false\n\"bad\"quote,true\nC,1\n", map[int]string{
			2: `error: enabled: "yes" is not true or false`,
			4: "error: 3 fields where the header has 2",
			5: `{"op":"create","profile":{"firstName":"B","enabled":false}}`,
			6: `error: extraneous or missing " in quoted-field`,
			7: `{"op":"create","profile":{"firstName":"C","enabled":true}}`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := readAll(t, tc.in, CSV, MatchAuto)
			for line, want := range tc.want {
				if got[line] != want {
					t.Errorf("line %d:\n got %s\nwant %s", line, got[line], want)
				}
			}
			if len(got) != len(tc.want) {
				t.Errorf("%d rows, want %d: %v", len(got), len(tc.want), got)
			}
		})
	}
}

func TestCSVHeaderRefused(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"", "the CSV file is empty"},
		{"firstName,nickname\n", `column 2: "nickname" is not a field of a profile`},
		{"lastName,lastName\n", `column 2: "lastName" twice`},
	} {
		_, err := NewReader(strings.NewReader(tc.in), CSV, MatchAuto)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("header %q: err = %v, want one saying %q", tc.in, err, tc.want)
		}
	}
	if _, err := NewReader(strings.NewReader(""), NDJSON, "name"); err == nil {
		t.Error("match \"name\" accepted")
	}
}

func TestFormatOf(t *testing.T) {
	t.Parallel()
	for path, want := range map[string]Format{"a.csv": CSV, "A.CSV": CSV, "a.ndjson": NDJSON, "a.jsonl": NDJSON, "a": NDJSON} {
		if got := FormatOf(path); got != want {
			t.Errorf("FormatOf(%q) = %s, want %s", path, got, want)
		}
	}
}
