// Package scalar holds the hub's custom GraphQL scalars, bound onto plain Go types in gqlgen.yml.
package scalar

import (
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"
)

// MarshalDate writes a date as YYYY-MM-DD.
func MarshalDate(t time.Time) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		io.WriteString(w, strconv.Quote(t.Format(time.DateOnly)))
	})
}

// UnmarshalDate reads a YYYY-MM-DD date.
func UnmarshalDate(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, fmt.Errorf("a Date is a string YYYY-MM-DD, got %v", v)
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date YYYY-MM-DD", s)
	}
	return t, nil
}

var decimalPattern = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

// MarshalDecimal writes an exact decimal as a JSON string.
func MarshalDecimal(s string) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		io.WriteString(w, strconv.Quote(s))
	})
}

// UnmarshalDecimal reads an exact decimal from a string, or from a JSON number as written (gqlgen decodes
// numbers as json.Number, so no float rounding happens on the way).
func UnmarshalDecimal(v any) (string, error) {
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case json.Number:
		s = x.String()
	case int, int64:
		s = fmt.Sprint(x)
	default:
		return "", fmt.Errorf("a Decimal is a string such as \"85500000.00\", got %v", v)
	}
	if !decimalPattern.MatchString(s) || len(s) > 40 {
		return "", fmt.Errorf("%q is not a decimal number such as \"85500000.00\"", s)
	}
	return s, nil
}
