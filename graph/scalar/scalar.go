// Package scalar holds the hub's custom GraphQL scalars and the typed entity IDs, bound onto Go types in
// gqlgen.yml.
package scalar

import (
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/smartcommunities/hub/db"
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

// Entity IDs: the GraphQL ID scalar, bound in gqlgen.yml to one Go type per entity (db.MemberID ...), so
// that an input's global ID is decoded where the input enters. A malformed one, or one of another type,
// is an error on the argument's path (BAD_USER_INPUT), and db is handed row ids only.

func MarshalMemberID(id db.MemberID) graphql.Marshaler { return marshalID(id) }
func UnmarshalMemberID(v any) (db.MemberID, error)     { return unmarshalID[db.MemberID](v) }

func MarshalBestPracticeID(id db.BestPracticeID) graphql.Marshaler { return marshalID(id) }
func UnmarshalBestPracticeID(v any) (db.BestPracticeID, error) {
	return unmarshalID[db.BestPracticeID](v)
}

func MarshalDigitalToolID(id db.DigitalToolID) graphql.Marshaler { return marshalID(id) }
func UnmarshalDigitalToolID(v any) (db.DigitalToolID, error)     { return unmarshalID[db.DigitalToolID](v) }

func MarshalFundingOpportunityID(id db.FundingOpportunityID) graphql.Marshaler { return marshalID(id) }
func UnmarshalFundingOpportunityID(v any) (db.FundingOpportunityID, error) {
	return unmarshalID[db.FundingOpportunityID](v)
}

func MarshalAPITokenID(id db.APITokenID) graphql.Marshaler { return marshalID(id) }
func UnmarshalAPITokenID(v any) (db.APITokenID, error)     { return unmarshalID[db.APITokenID](v) }

func MarshalMembershipApplicationID(id db.MembershipApplicationID) graphql.Marshaler {
	return marshalID(id)
}
func UnmarshalMembershipApplicationID(v any) (db.MembershipApplicationID, error) {
	return unmarshalID[db.MembershipApplicationID](v)
}

func marshalID[ID db.EntityID](id ID) graphql.Marshaler { return graphql.MarshalString(id.GlobalID()) }

func unmarshalID[ID db.EntityID](v any) (ID, error) {
	s, ok := v.(string)
	if !ok {
		var want ID
		return 0, fmt.Errorf("%v is not the ID of a %s: IDs are strings", v, want.Type())
	}
	return db.ParseID[ID](s)
}
