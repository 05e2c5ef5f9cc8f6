package steps

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// The client checks the rules that hold for every response on every
// request, and a response that breaks one fails whichever step made the
// request. The steps here state those rules one kind at a time: "reads ...
// in full" and "sends a request ..." keep every answer instead of failing
// on it, and each "Then" judges the answers by one rule only, so that the
// scenario that fails is the one that names the rule.

// judge starts keeping the answers of the next requests for judgement.
func (s *scenario) judge() {
	s.beginAction()
	s.judging, s.answers = true, nil
}

// judged returns the answers kept for judgement, or the latest one.
func (s *scenario) judged() ([]*exchange, error) {
	if len(s.answers) > 0 {
		return s.answers, nil
	}
	ex, err := s.lastResponse()
	if err != nil {
		return nil, err
	}
	return []*exchange{ex}, nil
}

// theClientReadsInFull reads a resource, or every page of a list at 100 per
// page, keeping every answer.
func theClientReadsInFull(ctx context.Context, phrase string) error {
	s := state(ctx)
	s.judge()
	r, err := findResource(phrase)
	if err != nil {
		return err
	}
	if !r.list {
		ex, err := s.fetch(ctx, r, nil, nil)
		if err != nil {
			return err
		}
		if ex.status != http.StatusOK {
			return errNotOK(ex)
		}
		return nil
	}
	w, err := s.walkPages(ctx, r, nil, 100)
	if err != nil {
		return err
	}
	s.walk = w
	return nil
}

// requestCases are the requests the error scenarios make, by how they name
// them.
var requestCases = map[string]func(ctx context.Context, s *scenario) error{
	"with a page size of 0": func(ctx context.Context, s *scenario) error {
		_, err := s.fetch(ctx, resTransactions, url.Values{"perPage": {"0"}}, nil)
		return err
	},
	"with an event type that does not exist": func(ctx context.Context, s *scenario) error {
		_, err := s.fetch(ctx, resPointsHistory, url.Values{"pointEventType": {"GIFT"}}, nil)
		return err
	},
	"for a member that does not exist": func(ctx context.Context, s *scenario) error {
		_, err := s.fetch(ctx, resMember, nil, map[string]string{"memberId": strconv.FormatInt(s.suite.profile.unknownID(), 10)})
		return err
	},
	"for a program that does not exist": func(ctx context.Context, s *scenario) error {
		_, err := s.fetch(ctx, resProgram, nil, map[string]string{"programId": strconv.FormatInt(s.suite.profile.unknownID(), 10)})
		return err
	},
	"without naming itself": func(ctx context.Context, s *scenario) error {
		s.noClientName = true
		defer func() { s.noClientName = false }()
		_, err := s.fetch(ctx, resTransactions, nil, nil)
		return err
	},
	"for a path that is not part of the API": func(ctx context.Context, s *scenario) error {
		return theClientRequestsThePath(ctx, "/members/{memberId}/no-such-thing")
	},
	"with the method DELETE": func(ctx context.Context, s *scenario) error {
		return s.sendWithMethod(ctx, http.MethodDelete, resMember)
	},
}

var requestCasePattern = func() string {
	keys := make([]string, 0, len(requestCases))
	for k := range requestCases {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return "(" + strings.Join(keys, "|") + ")"
}()

// theClientSendsARequest makes one of the requestCases, keeping the answer.
func theClientSendsARequest(ctx context.Context, which string) error {
	s := state(ctx)
	s.judge()
	return requestCases[which](ctx, s)
}

// sendWithMethod requests a resource with a method the API does not offer.
func (s *scenario) sendWithMethod(ctx context.Context, method string, r *resource) error {
	path, err := r.path(s, nil)
	if err != nil {
		return err
	}
	ex, err := s.requestWith(ctx, method, path, nil)
	if ex != nil {
		s.remember(ex, r)
	}
	return err
}

func theClientSendsAMethodRequest(ctx context.Context, method, phrase string) error {
	s := state(ctx)
	s.judge()
	r, err := findResource(phrase)
	if err != nil {
		return err
	}
	return s.sendWithMethod(ctx, method, r)
}

// judgeAnswers fails with the problems of the kinds given, found in the
// answers kept for judgement.
func judgeAnswers(ctx context.Context, rule string, kinds ...problemKind) error {
	answers, err := state(ctx).judged()
	if err != nil {
		return err
	}
	var problems []string
	for _, ex := range answers {
		for _, p := range ex.problemsOf(kinds...) {
			problems = append(problems, fmt.Sprintf("%s answered %d: %s", ex.target(), ex.status, p))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s; of %d answers:\n%s", rule, len(answers), firstFew(problems))
	}
	return nil
}

func everyAnswerMatchesTheSchema(ctx context.Context) error {
	return judgeAnswers(ctx, "every answer must match the contract's schema (required properties present and not null, documented types and formats, no other properties)", problemSchema)
}

func everyTimestampIsUTC(ctx context.Context) error {
	return judgeAnswers(ctx, "every timestamp must be RFC 3339 in UTC with a Z suffix", problemTimestamps)
}

func everyAnswerIsJSON(ctx context.Context) error {
	return judgeAnswers(ctx, "every answer must be JSON, sent with Content-Type application/json", problemContentType)
}

// theAnswerCarriesTheErrorBody checks the Error body of the latest answer:
// its schema and its agreement with the response.
func theAnswerCarriesTheErrorBody(ctx context.Context) error {
	s := state(ctx)
	ex, err := s.lastResponse()
	if err != nil {
		return err
	}
	if ex.status < 400 {
		return fmt.Errorf("%s answered %d, not an error", ex.target(), ex.status)
	}
	problems := ex.problemsOf(problemErrorBody, problemSchema, problemContentType)
	if len(problems) > 0 {
		return fmt.Errorf("%s answered %d without a proper Error body (the HTTP reason as title, the status, a message and the correlation id of the answer):\n%s",
			ex.target(), ex.status, firstFew(problems))
	}
	return nil
}

func theRequestIsRefusedWithAClientError(ctx context.Context) error {
	ex, err := state(ctx).lastResponse()
	if err != nil {
		return err
	}
	if ex.status < 400 || ex.status > 499 {
		return fmt.Errorf("%s answered %d; the Members API is read-only, so a request with another method than GET must be refused with a 4xx answer (405 Method Not Allowed)", ex.target(), ex.status)
	}
	return nil
}

// pageProperties are the only properties of a page.
var pageProperties = []string{"items", "totalItems", "totalPages"}

func everyPageHoldsOnlyItemsAndTotals(ctx context.Context) error {
	answers, err := state(ctx).judged()
	if err != nil {
		return err
	}
	for _, ex := range answers {
		if ex.status != http.StatusOK {
			return errNotOK(ex)
		}
		o, err := ex.object()
		if err != nil {
			return err
		}
		var keys []string
		for k := range o {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if !slices.Equal(keys, pageProperties) {
			return fmt.Errorf("%s answered a page with the properties %s; a page has exactly items, totalItems and totalPages (page and perPage are not echoed)",
				ex.target(), quoteAll(keys))
		}
		if _, ok := o["items"].([]any); !ok {
			return fmt.Errorf("%s answered a page whose items is %s; it must be an array, [] when empty", ex.target(), show(o["items"]))
		}
	}
	return nil
}

// totalItemsCountsTheWholeList compares the totalItems of the latest page
// with the items of the whole list, walked at 100 per page.
func totalItemsCountsTheWholeList(ctx context.Context) error {
	s := state(ctx)
	ex, pb, err := s.lastPage()
	if err != nil {
		return err
	}
	r := s.lastRes
	if r == nil || !r.list {
		return fmt.Errorf("the latest answer is not a page of a list")
	}
	// The next steps still talk about the page, not the walk.
	last, lastRes, previous := s.last, s.lastRes, s.previous
	all, err := s.fullList(ctx, r, nil)
	s.last, s.lastRes, s.previous = last, lastRes, previous
	if err != nil {
		return err
	}
	if int64(len(all)) != pb.totalItems {
		return fmt.Errorf("%s says totalItems %d, but the whole list, walked at 100 per page, holds %d items", ex.target(), pb.totalItems, len(all))
	}
	return nil
}

// theyAllSeeTheSameLadderLevels compares the reward ladder levels of the
// members read with "reads all of their data".
func theyAllSeeTheSameLadderLevels(ctx context.Context) error {
	s := state(ctx)
	if len(s.sampleData) == 0 {
		return fmt.Errorf("the scenario has not read the data of its members")
	}
	first := s.sampleData[0].ladder["levels"]
	for i, d := range s.sampleData[1:] {
		if diff := difference(first, d.ladder["levels"]); diff != "" {
			return fmt.Errorf("the reward ladders of members of one program must have the same levels, but those of members %d and %d differ: levels%s",
				s.sample[0], s.sample[i+1], diff)
		}
	}
	return nil
}
