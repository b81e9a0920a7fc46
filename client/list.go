package client

import (
	"context"
	"errors"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/profiles-service/profiles/shared/views"
)

// ListOptions are a listing's page, order and filters; the zero value is
// the API's defaults (10 items, by its first sort field, ascending).
type ListOptions struct {
	// Limit is the page size, 1 to 100; 0 sends none (the API's 10).
	Limit int
	// Offset skips items, up to 10,000; 0 sends none. Follow Page.Next
	// (or iterate) to page deeper.
	Offset int
	// SortBy is the field to order by, such as "createTime" or "lastName"
	// for profiles, "value" for contacts; "" sends none.
	SortBy string
	// SortOrder is "asc" or "desc"; "" sends none.
	SortOrder string
	// Filters are filter[name]=value parameters, such as "firstName":
	// "Mary", "enabled": "true" or "email": "mary@example.com" for profiles
	// and "key": "email" for contacts.
	Filters map[string]string
}

// query is o as query parameters.
func (o ListOptions) query() url.Values {
	q := url.Values{}
	if o.Limit != 0 {
		q.Set("limit", strconv.Itoa(o.Limit))
	}
	if o.Offset != 0 {
		q.Set("offset", strconv.Itoa(o.Offset))
	}
	if o.SortBy != "" {
		q.Set("sort_by", o.SortBy)
	}
	if o.SortOrder != "" {
		q.Set("sort_order", o.SortOrder)
	}
	for k, v := range o.Filters {
		q.Set("filter["+k+"]", v)
	}
	return q
}

// Page is one page of a listing.
type Page[T any] struct {
	// Items are the page's items, in the listing's order.
	Items []T
	// Next is the absolute URL of the next page (the answer's Link
	// rel="next"), "" after the last page.
	Next string
}

// ErrNoNextPage is the error of a Next call given "": the last page was read.
var ErrNoNextPage = errors.New("client: no next page")

// ListProfiles reads one page of profiles (GET /profiles).
func (c *Client) ListProfiles(ctx context.Context, o ListOptions) (*Page[views.Profile], error) {
	return listPage[views.Profile](ctx, c, request{method: http.MethodGet, target: "/profiles", query: o.query()})
}

// NextProfiles reads the page of profiles that next, a Page.Next, names.
func (c *Client) NextProfiles(ctx context.Context, next string) (*Page[views.Profile], error) {
	if next == "" {
		return nil, ErrNoNextPage
	}
	return listPage[views.Profile](ctx, c, request{method: http.MethodGet, target: next})
}

// Profiles iterates over every profile of a listing, page after page by the
// cursor; it yields an error once and stops. Break to stop early.
func (c *Client) Profiles(ctx context.Context, o ListOptions) iter.Seq2[views.Profile, error] {
	return each(ctx, func(ctx context.Context) (*Page[views.Profile], error) { return c.ListProfiles(ctx, o) }, c.NextProfiles)
}

// ListContacts reads one page of a profile's contacts (GET
// /profiles/{profileId}/contacts).
func (c *Client) ListContacts(ctx context.Context, profileID string, o ListOptions) (*Page[views.Contact], error) {
	return listPage[views.Contact](ctx, c, request{method: http.MethodGet, target: contactsPath(profileID), query: o.query()})
}

// NextContacts reads the page of contacts that next, a Page.Next, names.
func (c *Client) NextContacts(ctx context.Context, next string) (*Page[views.Contact], error) {
	if next == "" {
		return nil, ErrNoNextPage
	}
	return listPage[views.Contact](ctx, c, request{method: http.MethodGet, target: next})
}

// Contacts iterates over every contact of a profile's listing, page after
// page by the cursor; it yields an error once and stops.
func (c *Client) Contacts(ctx context.Context, profileID string, o ListOptions) iter.Seq2[views.Contact, error] {
	return each(ctx, func(ctx context.Context) (*Page[views.Contact], error) { return c.ListContacts(ctx, profileID, o) }, c.NextContacts)
}

// each yields the items of first's page and of every page after it.
func each[T any](ctx context.Context, first func(context.Context) (*Page[T], error),
	next func(context.Context, string) (*Page[T], error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		page, err := first(ctx)
		for {
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, it := range page.Items {
				if !yield(it, nil) {
					return
				}
			}
			if page.Next == "" {
				return
			}
			page, err = next(ctx, page.Next)
		}
	}
}

// listPage reads one page: its JSON array and its next link.
func listPage[T any](ctx context.Context, c *Client, r request) (*Page[T], error) {
	rep, err := c.do(ctx, r)
	if err != nil {
		return nil, err
	}
	p := &Page[T]{}
	if err := rep.decodeInto(&p.Items); err != nil {
		return nil, err
	}
	if link := nextLink(rep.header.Values("Link")); link != "" {
		u, err := c.resolve(link)
		if err != nil {
			return nil, err
		}
		p.Next = u.String()
	}
	return p, nil
}

// nextLink is the target of the rel="next" link of Link header values
// (RFC 8288), "" when there is none.
func nextLink(values []string) string {
	for _, v := range values {
		for _, link := range splitLinks(v) {
			target, params, ok := strings.Cut(strings.TrimSpace(link), ";")
			target = strings.TrimSpace(target)
			if !ok || !strings.HasPrefix(target, "<") || !strings.HasSuffix(target, ">") {
				continue
			}
			for _, p := range strings.Split(params, ";") {
				name, val, _ := strings.Cut(strings.TrimSpace(p), "=")
				if !strings.EqualFold(strings.TrimSpace(name), "rel") {
					continue
				}
				for _, rel := range strings.Fields(strings.Trim(strings.TrimSpace(val), `"`)) {
					if strings.EqualFold(rel, "next") {
						return target[1 : len(target)-1]
					}
				}
			}
		}
	}
	return ""
}

// splitLinks splits a Link header value at the commas between links,
// not those inside a <target>.
func splitLinks(v string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '<':
			depth++
		case '>':
			depth = max(depth-1, 0)
		case ',':
			if depth == 0 {
				out = append(out, v[start:i])
				start = i + 1
			}
		}
	}
	return append(out, v[start:])
}
