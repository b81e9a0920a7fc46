package linearizability

import (
	"encoding/json"
	"fmt"
	"strings"
)

// describe is one request and its answer as the visualisation shows it.
func describe(in Input, out Output) string {
	var b strings.Builder
	verb := in.Kind.String()
	if in.Kind == PatchProfile && in.Put {
		verb = "PUT"
	}
	fmt.Fprintf(&b, "%s", verb)
	if in.ContactID != "" {
		fmt.Fprintf(&b, " %s", short(in.ContactID))
	}
	if in.Body != nil {
		body, _ := json.Marshal(in.Body)
		fmt.Fprintf(&b, " %s", body)
	}
	if in.IfMatch != 0 {
		fmt.Fprintf(&b, " If-Match:%d", in.IfMatch)
	}
	if in.Key != "" {
		fmt.Fprintf(&b, " key:%s", in.Key)
	}
	b.WriteString(" → ")
	switch {
	case out.Unknown:
		fmt.Fprintf(&b, "unknown (%d %s%s)", out.Status, lastPart(out.Problem), out.Error)
		return b.String()
	case out.Refused:
		b.WriteString("503 (nothing written)")
		return b.String()
	}
	fmt.Fprintf(&b, "%d", out.Status)
	if out.ETag != 0 {
		fmt.Fprintf(&b, " ETag:%d", out.ETag)
	}
	if out.Problem != "" {
		fmt.Fprintf(&b, " %s", lastPart(out.Problem))
	}
	var body []byte
	switch {
	case out.Profile != nil:
		body, _ = json.Marshal(out.Profile)
	case out.Contact != nil:
		body, _ = json.Marshal(out.Contact)
	case out.User != nil:
		body, _ = json.Marshal(out.User)
	}
	if body != nil {
		fmt.Fprintf(&b, " %s", body)
	}
	return b.String()
}

// describeState is a model profile as the visualisation shows it.
func describeState(s State) string {
	if !s.Exists {
		return "no profile" + keysOf(s)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "v%d first=%q middle=%q last=%q country=%q uuid=%q enabled=%v tags=%q feature=%v marketing=%v",
		s.Version, s.First, s.Middle, s.Last, s.Country, s.UUID, s.Enabled, strings.Split(s.Tags, tagSep), s.Feature, s.Marketing)
	for _, c := range s.contacts() {
		id := short(c.ID)
		if id == "" {
			id = "?"
		}
		fmt.Fprintf(&b, " [%s %s %s v%d verified=%v uuid=%q]", id, c.Key, c.Value, c.Version, c.Verified, c.UUID)
	}
	return b.String() + keysOf(s)
}

func keysOf(s State) string {
	if s.Keys == "" {
		return ""
	}
	return " keys used: " + strings.ReplaceAll(s.Keys, tagSep, ",")
}

// short is the end of an id, enough to tell a history's ids apart.
func short(id string) string {
	if len(id) > 6 {
		return "…" + id[len(id)-6:]
	}
	return id
}

func lastPart(problem string) string {
	if i := strings.LastIndexByte(problem, '/'); i >= 0 {
		return problem[i+1:]
	}
	return problem
}
