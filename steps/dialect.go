package steps

import (
	"strings"

	"github.com/membersmock/membersmock/spec"
)

// A scenario whose expectation holds only under one value of a dialect
// setting carries the tag "@<key>-<value>", e.g. @firstPage-1 or
// @pastLastPage-notFound; its name says the setting too, so that a failure
// names the decision the target departed from. Scenarios without such a
// tag hold under every dialect.

// ChooseDialect is the dialect a run expects: the one given (--dialect),
// else the profile's dialect: block, else the contract's. p may be nil.
func ChooseDialect(given *spec.Dialect, p *Profile) spec.Dialect {
	switch {
	case given != nil:
		return *given
	case p != nil && p.Dialect != nil:
		return *p.Dialect
	}
	return spec.Dialect{}
}

// dialectTag is the tag of the scenarios that hold where setting key has value.
func dialectTag(key, value string) string { return "@" + key + "-" + value }

// withDialect adds to a tag expression the exclusion of every scenario
// written for a value of a setting other than d's.
func withDialect(tags string, d spec.Dialect) string {
	var terms []string
	for _, s := range spec.DialectSettings() {
		for _, v := range s.Values {
			if v != d.Value(s.Key) {
				terms = append(terms, "~"+dialectTag(s.Key, v))
			}
		}
	}
	return andAll(tags, strings.Join(terms, " && "))
}

// isDialectTag reports whether tag is one of the dialect's "@<key>-<value>" tags.
func isDialectTag(tag string) bool {
	for _, s := range spec.DialectSettings() {
		for _, v := range s.Values {
			if tag == dialectTag(s.Key, v) {
				return true
			}
		}
	}
	return false
}
