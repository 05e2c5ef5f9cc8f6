package spec

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// filterParameters are the query parameters the emptyFilter setting is about.
var filterParameters = []string{"customerId", "orderId", "pointDefinitionReference"}

// documentFor returns the embedded document rewritten to state dialect d: the contract's
// dialect gets the embedded bytes unchanged. Every change is to a parameter that the setting
// is about, and to the words that describe it, so that the document a client generates types
// from, the mock's validation and the suite's checks all read one statement.
func documentFor(d Dialect) ([]byte, error) {
	if d.IsDefault() {
		return document, nil
	}
	var root yaml.Node
	if err := yaml.Unmarshal(document, &root); err != nil {
		return nil, fmt.Errorf("parsing the embedded OpenAPI document: %w", err)
	}
	if len(root.Content) == 0 {
		return nil, fmt.Errorf("rewriting the OpenAPI document for the dialect: the document is empty")
	}
	doc := root.Content[0]
	for _, p := range parameterNodes(doc) {
		name := scalar(p, "name")
		schema := mapValue(p, "schema")
		switch {
		case name == "page" && schema != nil:
			first := strconv.Itoa(d.FirstPage)
			setScalar(schema, "minimum", first, "!!int")
			setScalar(schema, "default", first, "!!int")
			setScalar(p, "description", pageDescription(d), "!!str")
		case name == "perPage" && schema != nil && d.ClampsPerPage():
			max := scalar(schema, "maximum")
			deleteKey(schema, "maximum")
			setScalar(p, "description", fmt.Sprintf(
				"Number of items per page, at least 1; a larger value than %s is answered as %s. Not an integer or below 1 gives 400.",
				max, max), "!!str")
		case name == "ET-Client-Name" && d.ClientNameOptional():
			setScalar(p, "required", "false", "!!bool")
			setScalar(p, "description",
				"Name of the calling client as `<company>-<application>`, e.g. `acme-travelapp`. Optional in this deployment's dialect.",
				"!!str")
		case slices.Contains(filterParameters, name) && schema != nil && d.IgnoresEmptyFilters():
			deleteKey(schema, "minLength")
			setScalar(p, "description", strings.TrimSpace(scalar(p, "description"))+" An empty value is ignored, as if the parameter were not given.", "!!str")
		}
	}
	if info := mapValue(doc, "info"); info != nil {
		note := "\n**Dialect.** This document states a deployment whose answers depart from the contract's open decisions where the conventions above say otherwise: " +
			d.String() + ". The parameters say the same.\n"
		setScalar(info, "description", scalar(info, "description")+note, "!!str")
	}
	var out bytes.Buffer
	enc := yaml.NewEncoder(&out)
	enc.SetIndent(2)
	if err := enc.Encode(&root); err != nil {
		return nil, fmt.Errorf("writing the OpenAPI document for the dialect: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("writing the OpenAPI document for the dialect: %w", err)
	}
	return out.Bytes(), nil
}

func pageDescription(d Dialect) string {
	var b strings.Builder
	if d.FirstPage == 0 {
		b.WriteString("0-based page number: the first page is `page=0`.")
	} else {
		fmt.Fprintf(&b, "%d-based page number: the first page is `page=%d`; a smaller value gives 400.", d.FirstPage, d.FirstPage)
	}
	if d.PastLastPageNotFound() {
		b.WriteString(" A page past the last one gives 404 with the Error body; the first page of an empty list gives 200 with `items: []`.")
	} else {
		b.WriteString(" A page at or past `totalPages` gives 200 with `items: []` and the same totals.")
	}
	b.WriteString(" Not an integer gives 400.")
	return b.String()
}

// parameterNodes finds every Parameter Object of the document: a mapping with "name" and "in",
// wherever it is declared (components or inline in an operation).
func parameterNodes(n *yaml.Node) []*yaml.Node {
	var out []*yaml.Node
	var walk func(*yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.MappingNode && mapValue(n, "name") != nil && mapValue(n, "in") != nil {
			out = append(out, n)
			return
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(n)
	return out
}

func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func scalar(n *yaml.Node, key string) string {
	if v := mapValue(n, key); v != nil && v.Kind == yaml.ScalarNode {
		return v.Value
	}
	return ""
}

func setScalar(n *yaml.Node, key, value, tag string) {
	style := yaml.Style(0)
	if tag == "!!str" && strings.Contains(value, "\n") {
		style = yaml.LiteralStyle
	}
	v := &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: value, Style: style}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			n.Content[i+1] = v
			return
		}
	}
	n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, v)
}

func deleteKey(n *yaml.Node, key string) {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			n.Content = append(n.Content[:i], n.Content[i+2:]...)
			return
		}
	}
}

// readPaging reads the paging bounds from the document for d (the first page, the default
// page size) and from the contract's (the largest page size, which a clamping dialect's
// document no longer states as a maximum but still answers with).
func readPaging(text []byte, d Dialect) (Paging, error) {
	var doc, contract yaml.Node
	if err := yaml.Unmarshal(text, &doc); err != nil {
		return Paging{}, fmt.Errorf("reading the paging bounds: %w", err)
	}
	contract = doc
	if !d.IsDefault() {
		if err := yaml.Unmarshal(document, &contract); err != nil {
			return Paging{}, fmt.Errorf("reading the paging bounds: %w", err)
		}
	}
	var p Paging
	var errs []error
	for _, b := range []struct {
		root           *yaml.Node
		param, keyword string
		into           *int64
	}{
		{&doc, "page", "default", &p.FirstPage},
		{&doc, "perPage", "default", &p.DefaultPerPage},
		{&contract, "perPage", "maximum", &p.MaxPerPage},
	} {
		n, err := parameterBound(b.root, b.param, b.keyword)
		*b.into = n
		errs = append(errs, err)
	}
	p.ClampsPerPage = d.ClampsPerPage()
	return p, errors.Join(errs...)
}

// parameterBound reads an integer keyword of a parameter's schema ("page", "default").
func parameterBound(root *yaml.Node, param, keyword string) (int64, error) {
	for _, p := range parameterNodes(root) {
		if scalar(p, "name") != param {
			continue
		}
		if schema := mapValue(p, "schema"); schema != nil {
			if n, err := strconv.ParseInt(scalar(schema, keyword), 10, 64); err == nil {
				return n, nil
			}
		}
	}
	return 0, fmt.Errorf("reading the paging bounds: the document gives parameter %s no integer %s", param, keyword)
}
