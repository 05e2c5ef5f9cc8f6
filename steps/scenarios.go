package steps

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"
	"unicode/utf8"

	gherkin "github.com/cucumber/gherkin/go/v42"
	messages "github.com/cucumber/messages/go/v34"
	"github.com/membersmock/membersmock/features"
)

// TokenVariable is the environment variable a report's curl commands read
// the bearer token from: the token itself is never written into a report.
const TokenVariable = "CONFORMANCE_TOKEN"

// bodyExcerptSize bounds the body a report shows of a response: enough for
// an Error body or the first items of a page.
const bodyExcerptSize = 4 << 10

// nameFeatures fills in the feature name of each scenario from its file,
// read from fsys (the embedded features) or, when fsys is nil, from disk.
// A file that cannot be read is named by its base name.
func nameFeatures(scenarios []ScenarioResult, fsys fs.FS) {
	names := map[string]string{}
	for i, sc := range scenarios {
		uri := sc.Location
		if j := strings.LastIndexByte(uri, ':'); j >= 0 {
			uri = uri[:j]
		}
		name, ok := names[uri]
		if !ok {
			name = featureName(fsys, uri)
			names[uri] = name
		}
		scenarios[i].Feature = name
	}
}

func featureName(fsys fs.FS, uri string) string {
	if name, ok := readFeatureName(fsys, uri); ok {
		return name
	}
	return path.Base(uri)
}

// featureFS is where a run's feature files are: the embedded features, or
// nil for the files on disk that Config.Paths names.
func featureFS(cfg Config) fs.FS {
	if len(cfg.Paths) == 0 {
		return features.FS
	}
	return nil
}

// readFeatureName returns the name of the feature in the file at uri (a
// scenario's Uri), as godog reads it: from fsys, or from disk when fsys is
// nil. It reports false when the file cannot be read or holds no feature.
func readFeatureName(fsys fs.FS, uri string) (string, bool) {
	var src []byte
	var err error
	if fsys != nil {
		src, err = fs.ReadFile(fsys, strings.TrimPrefix(uri, "./"))
	} else {
		src, err = os.ReadFile(uri)
	}
	if err != nil {
		return "", false
	}
	doc, err := gherkin.ParseGherkinDocument(bytes.NewReader(src), (&messages.Incrementing{}).NewId)
	if err != nil || doc.Feature == nil {
		return "", false
	}
	return doc.Feature.Name, true
}

// reportExchange is what a report shows of ex: the request as sent, with
// the configured bearer token replaced by $CONFORMANCE_TOKEN (see Curl),
// and the answer with its body pretty-printed and cut to an excerpt.
func (su *suite) reportExchange(ex *exchange) *Exchange {
	if ex == nil {
		return nil
	}
	sent := ex.sent.Clone()
	if tok := su.client.token; tok != "" {
		for i, v := range sent.Values("Authorization") {
			sent["Authorization"][i] = strings.ReplaceAll(v, tok, "$"+TokenVariable)
		}
	}
	return &Exchange{
		Method:          ex.method,
		URL:             ex.url,
		RequestHeaders:  sent,
		Status:          ex.status,
		ResponseHeaders: ex.header.Clone(),
		BodyExcerpt:     bodyExcerpt(ex.body, bodyExcerptSize),
	}
}

// bodyExcerpt returns body, indented when it is JSON, cut to at most n
// bytes on a character boundary with a note saying how much was left out.
func bodyExcerpt(body []byte, n int) string {
	var b bytes.Buffer
	if json.Indent(&b, body, "", "  ") == nil {
		body = b.Bytes()
	}
	if len(body) <= n {
		return string(body)
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(body[cut]) {
		cut--
	}
	return fmt.Sprintf("%s\n… (%d more bytes not shown)", body[:cut], len(body)-cut)
}
