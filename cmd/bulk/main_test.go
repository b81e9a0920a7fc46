package main

import (
	"maps"
	"testing"
)

func TestParseFilters(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in      []string
		want    map[string]string
		wantErr bool
	}{
		{nil, map[string]string{}, false},
		{[]string{"enabled=true&lastName=Van%20Dyke"}, map[string]string{"enabled": "true", "lastName": "Van Dyke"}, false},
		{[]string{"filter[email]=a%40x.example", "firstName=Mary"}, map[string]string{"email": "a@x.example", "firstName": "Mary"}, false},
		{[]string{"lastName="}, nil, true},
		{[]string{"lastName=a&lastName=b"}, nil, true},
	}
	for _, tc := range cases {
		got, err := parseFilters(tc.in)
		if (err != nil) != tc.wantErr || err == nil && !maps.Equal(got, tc.want) {
			t.Errorf("parseFilters(%q) = %v, %v; want %v (error %v)", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
}
