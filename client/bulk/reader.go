package bulk

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/profiles-service/profiles/client"
)

// Format is an import file's format.
type Format string

// The formats Import reads.
const (
	NDJSON Format = "ndjson" // one Profile object a line
	CSV    Format = "csv"    // a header row naming the fields, then a row a profile
)

// FormatOf is the format a file's name says: CSV for ".csv", else NDJSON.
func FormatOf(path string) Format {
	if strings.EqualFold(filepath.Ext(path), ".csv") {
		return CSV
	}
	return NDJSON
}

// maxLine is the longest NDJSON line read: the API's body limit (1 MB)
// holds far less than one line this long.
const maxLine = 1 << 20

// Reader reads an import file row by row, holding one row at a time.
type Reader struct {
	next func() (Row, error)
}

// Next is the next row, a bad one with its Err set; io.EOF after the last.
// Any other error is the file's, and ends the reading.
func (r *Reader) Next() (Row, error) { return r.next() }

// NewReader reads r in format f, making items by match (a Match constant).
// A CSV file's header is read at once: an unknown column is an error here.
func NewReader(r io.Reader, f Format, match string) (*Reader, error) {
	if err := checkMatch(match); err != nil {
		return nil, err
	}
	switch f {
	case NDJSON:
		return ndjsonReader(r, match), nil
	case CSV:
		return csvReader(r, match)
	}
	return nil, fmt.Errorf("bulk: format %q is neither ndjson nor csv", f)
}

func ndjsonReader(r io.Reader, match string) *Reader {
	br := bufio.NewReaderSize(r, 64<<10)
	line := 0
	var buf []byte
	return &Reader{next: func() (Row, error) {
		for {
			b, tooLong, err := readLine(br, buf[:0])
			buf = b[:0]
			if err != nil && (!errors.Is(err, io.EOF) || len(b) == 0 && !tooLong) {
				return Row{}, err
			}
			line++
			if tooLong {
				return Row{Line: line, Err: fmt.Errorf("the line is longer than %d bytes", maxLine)}, nil
			}
			b = bytes.TrimSpace(b)
			if len(b) == 0 {
				continue
			}
			row := Row{Line: line, Raw: string(b)}
			rec, err := parseRecord(b)
			if err == nil {
				row.Item, err = rec.item(match)
			}
			row.Err = err
			return row, nil
		}
	}}
}

// readLine appends the next line of br to buf, without its newline; past
// maxLine it drops the rest of the line and says so. The error is io.EOF
// for the last line when it has no newline.
func readLine(br *bufio.Reader, buf []byte) ([]byte, bool, error) {
	tooLong := false
	for {
		chunk, err := br.ReadSlice('\n')
		if !tooLong {
			if len(buf)+len(chunk) > maxLine+1 {
				tooLong, buf = true, buf[:0]
			} else {
				buf = append(buf, chunk...)
			}
		}
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err != nil:
			return buf, tooLong, err
		}
		return bytes.TrimSuffix(buf, []byte("\n")), tooLong, nil
	}
}

// The CSV columns: the Profile object's writable fields, contacts as email
// and phone columns (as many of each as the header repeats), and the
// read-only fields, accepted and ignored.
var (
	csvStrings  = []string{"firstName", "middleName", "lastName", "countryNumericCode", "uuid"}
	csvReadOnly = []string{"name", "country", "createTime", "updateTime", "version"}
)

// tagSeparator separates a CSV row's tags in its one tags column.
const tagSeparator = ";"

func csvReader(r io.Reader, match string) (*Reader, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		if err == io.EOF {
			return nil, errors.New("bulk: the CSV file is empty: it needs a header row naming the fields")
		}
		return nil, fmt.Errorf("bulk: the CSV header: %w", err)
	}
	cols := make([]string, len(header))
	seen := map[string]bool{}
	for i, h := range header {
		name, ok := csvColumn(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if !ok {
			return nil, fmt.Errorf("bulk: the CSV header, column %d: %q is not a field of a profile (%s)", i+1, h, csvColumns())
		}
		if seen[name] && name != "email" && name != "phone" {
			return nil, fmt.Errorf("bulk: the CSV header, column %d: %q twice (only email and phone repeat)", i+1, h)
		}
		seen[name], cols[i] = true, name
	}
	return &Reader{next: func() (Row, error) {
		rec, err := cr.Read()
		var pe *csv.ParseError
		switch {
		case err == io.EOF:
			return Row{}, err
		case errors.Is(err, csv.ErrFieldCount):
			line, _ := cr.FieldPos(0)
			return Row{Line: line, Raw: rawCSV(rec), Err: fmt.Errorf("%d fields where the header has %d", len(rec), len(cols))}, nil
		case errors.As(err, &pe):
			return Row{Line: pe.StartLine, Err: pe.Err}, nil
		case err != nil:
			return Row{}, err
		}
		line, _ := cr.FieldPos(0)
		row := Row{Line: line, Raw: rawCSV(rec)}
		row.Item, row.Err = csvItem(cols, rec, match)
		return row, nil
	}}, nil
}

// csvColumn is a header cell's field, matched case-insensitively.
func csvColumn(h string) (string, bool) {
	for _, names := range [][]string{csvStrings, csvReadOnly, {"profileId", "id", "enabled", "tags", "email", "phone"}} {
		for _, n := range names {
			if strings.EqualFold(h, n) {
				return n, true
			}
		}
	}
	return "", false
}

func csvColumns() string {
	return strings.Join(append(append([]string{"profileId (or id)", "enabled", "tags", "email", "phone"}, csvStrings...), csvReadOnly...), ", ")
}

// csvItem is the item of one CSV row. An empty cell is an absent field.
func csvItem(cols, rec []string, match string) (client.BatchItem, error) {
	var r record
	for i, name := range cols {
		v := strings.TrimSpace(rec[i])
		if v == "" {
			continue
		}
		switch name {
		case "profileId":
			r.ProfileID.Opt = client.Value(v)
		case "id":
			r.ID.Opt = client.Value(v)
		case "firstName":
			r.FirstName.Opt = client.Value(v)
		case "middleName":
			r.MiddleName.Opt = client.Value(v)
		case "lastName":
			r.LastName.Opt = client.Value(v)
		case "countryNumericCode":
			r.CountryNumericCode.Opt = client.Value(v)
		case "uuid":
			r.UUID.Opt = client.Value(v)
		case "enabled":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return client.BatchItem{}, fmt.Errorf("enabled: %q is not true or false", v)
			}
			r.Enabled.Opt = client.Value(b)
		case "tags":
			tags := []string{}
			for t := range strings.SplitSeq(v, tagSeparator) {
				if t = strings.TrimSpace(t); t != "" {
					tags = append(tags, t)
				}
			}
			r.Tags.Opt = client.Value(tags)
		case "email", "phone":
			r.Contacts = append(r.Contacts, contactRecord{Key: opt[string]{client.Value(name)}, Value: opt[string]{client.Value(v)}})
		}
	}
	return r.item(match)
}

// rawCSV is a record as one CSV line, for the error file.
func rawCSV(rec []string) string {
	var b strings.Builder
	w := csv.NewWriter(&b)
	_ = w.Write(rec) // a strings.Builder does not fail
	w.Flush()
	return strings.TrimSuffix(b.String(), "\n")
}
