package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxBody is the largest request body read (1 MB); a larger one is a 413.
const maxBody = 1 << 20

// encode writes v as a JSON response with the status.
func encode(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	encodeStatus(w, status, v)
}

func encodeStatus(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		b = []byte(`{"title":"Internal Server Error","status":500}`)
		status = http.StatusInternalServerError
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// decode reads a JSON object body into v strictly: valid UTF-8, at most
// maxBody bytes, no unknown fields, no trailing data. Every failure is a
// requestError naming what is wrong.
func decode(r *http.Request, v any) error {
	body, err := readBody(r, maxBody)
	if err != nil {
		return err
	}
	return decodeBytes(body, v)
}

// readBody reads a body of at most limit bytes (a whole number of MB): a
// larger one is a 413.
func readBody(r *http.Request, limit int) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, int64(limit)+1))
	if err != nil {
		return nil, badRequest("body", "could not be read")
	}
	if len(body) > limit {
		return nil, &requestError{status: http.StatusRequestEntityTooLarge, field: "body", msg: "must be at most " + strconv.Itoa(limit>>20) + " MB"}
	}
	return body, nil
}

func decodeBytes(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return badRequest("body", "is required: send a JSON object")
	}
	if !utf8.Valid(body) {
		return badRequest("body", "must be valid UTF-8")
	}
	if t := bytes.TrimSpace(body); t[0] != '{' {
		return badRequest("body", "must be a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if name, dup := duplicateKey(body); dup {
		// encoding/json keeps the last of two equal keys silently; a body
		// that says two things about one field is refused instead.
		return badRequest(name, "appears twice in one object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return badRequest("body", "must hold a single JSON object")
	}
	return nil
}

// jsonError turns a decoding error into a requestError naming the field.
func jsonError(err error) error {
	var (
		typeErr   *json.UnmarshalTypeError
		syntaxErr *json.SyntaxError
	)
	switch {
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "body"
		}
		return badRequest(field, "must be %s", jsonType(typeErr.Type.String()))
	case errors.As(err, &syntaxErr):
		return badRequest("body", "is not valid JSON (at byte %d)", syntaxErr.Offset)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return badRequest(name, "is not a field of this object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("body", "is not valid JSON (it ends too early)")
	}
	return badRequest("body", "is not valid JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
}

func jsonType(goType string) string {
	switch {
	case goType == "string":
		return "a string"
	case goType == "bool":
		return "true or false"
	case strings.HasPrefix(goType, "[]"):
		return "an array"
	case strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "float"):
		return "a number"
	}
	return "an object"
}

// duplicateKey finds a key given twice in one JSON object of a valid document.
func duplicateKey(body []byte) (string, bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	type frame struct {
		object bool
		keys   map[string]bool
		key    bool // the next token of an object is a key
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.object && top.key {
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:len(stack)-1]
				continue
			}
			k, _ := tok.(string)
			if top.keys[k] {
				return k, true
			}
			top.keys[k], top.key = true, false
			continue
		}
		if top != nil && top.object {
			top.key = true // this token is a value; a key follows
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{object: true, keys: map[string]bool{}, key: true})
		case json.Delim('['):
			stack = append(stack, &frame{})
		case json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
	}
}
