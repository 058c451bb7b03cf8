package db

import (
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// validator collects the userErrors of one input; nothing is written while it holds any.
type validator struct {
	ref  *Reference
	errs []UserError
}

func (v *validator) fail(field string, code UserErrorCode, format string, args ...any) {
	path := append([]string{"input"}, strings.Split(field, ".")...)
	v.errs = append(v.errs, UserError{Field: path, Message: fmt.Sprintf(format, args...), Code: code})
}

func (v *validator) ok() bool { return len(v.errs) == 0 }

// text trims s in place and checks it is not empty when required and not absurdly long.
func (v *validator) text(field string, s *string, required bool, max int) {
	*s = strings.TrimSpace(*s)
	if required && *s == "" {
		v.fail(field, UserErrorRequired, "%s must not be empty", field)
	}
	if len([]rune(*s)) > max {
		v.fail(field, UserErrorOutOfRange, "%s is longer than %d characters", field, max)
	}
}

// optText trims an optional text, turning an empty one into nil.
func (v *validator) optText(field string, s **string, max int) {
	if *s == nil {
		return
	}
	t := strings.TrimSpace(**s)
	if t == "" {
		*s = nil
		return
	}
	*s = &t
	v.text(field, *s, false, max)
}

func (v *validator) slug(field string, s string) {
	if !slugPattern.MatchString(s) || len(s) > 100 {
		v.fail(field, UserErrorInvalid, "%q is not a slug: use lowercase letters, digits and single hyphens", s)
	}
}

// url trims an optional URL in place and checks it is an absolute http(s) URL.
func (v *validator) url(field string, s **string) {
	v.optText(field, s, 2000)
	if *s == nil {
		return
	}
	u, err := url.Parse(**s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		v.fail(field, UserErrorInvalid, "%q is not an http(s) URL", **s)
	}
}

func (v *validator) email(field string, s string) {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || !strings.Contains(s[strings.LastIndex(s, "@"):], ".") {
		v.fail(field, UserErrorInvalid, "%q is not an email address", s)
	}
}

func (v *validator) country(field, code string) {
	if v.ref.Country(code) == nil {
		v.fail(field, UserErrorUnknownReference, "%q is not an EU country code (EU codes: Greece is EL)", code)
	}
}

func (v *validator) countries(field string, codes []string) []string {
	for i, c := range codes {
		v.country(fmt.Sprintf("%s.%d", field, i), c)
	}
	return dedupe(codes)
}

func (v *validator) themes(field string, codes []string) []string {
	for i, c := range codes {
		if v.ref.Theme(c) == nil {
			v.fail(fmt.Sprintf("%s.%d", field, i), UserErrorUnknownReference, "%q is not a theme", c)
		}
	}
	return dedupe(codes)
}

func (v *validator) mims(field string, refs []*MimRef) []int32 {
	ids := []int32{}
	for i, r := range refs {
		m := v.ref.Mim(*r)
		if m == nil {
			v.fail(fmt.Sprintf("%s.%d", field, i), UserErrorUnknownReference, "%s edition %s is not a known MIM", r.Code, r.Edition)
			continue
		}
		ids = append(ids, m.ID)
	}
	return dedupe(ids)
}

func (v *validator) language(field, code string) {
	if !isLanguage(code) {
		v.fail(field, UserErrorInvalid, "%q is not an ISO 639-1 language code", code)
	}
}

func dedupe[T comparable](xs []T) []T {
	seen := map[T]bool{}
	out := make([]T, 0, len(xs))
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// Slugify derives a slug from a name: accents folded, other characters turned into single hyphens.
func Slugify(s string) string {
	var b strings.Builder
	hyphen := false
	for _, r := range norm.NFKD.String(strings.ToLower(s)) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			hyphen = false
			b.WriteRune(r)
		default:
			hyphen = true
		}
	}
	out := b.String()
	if len(out) > 80 {
		out = strings.TrimRight(out[:80], "-")
	}
	return out
}

var languageCodes = func() map[string]bool {
	m := map[string]bool{}
	// ISO 639-1, all 183 two-letter codes.
	for _, c := range strings.Fields(`aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr
		cs cu cv cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu
		hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo
		lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu
		rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt
		tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu`) {
		m[c] = true
	}
	return m
}()

func isLanguage(code string) bool { return languageCodes[code] }

var nutsPattern = regexp.MustCompile(`^[A-Z]{2}[0-9A-Z]{0,3}$`)

var topicPattern = regexp.MustCompile(`^[A-Z0-9]+(-[A-Z0-9]+)*$`)

var amountPattern = regexp.MustCompile(`^[0-9]{1,14}(\.[0-9]{1,2})?$`)

var slugPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
