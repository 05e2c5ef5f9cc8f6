package steps

import (
	"context"
	"regexp"
	"sync"

	"github.com/cucumber/godog"
)

// stepExprs holds the compiled expression of every step sentence. godog
// compiles a string expression each time a scenario registers its steps;
// compiling each once per process instead keeps a run's CPU for the
// requests and their checks.
var stepExprs sync.Map // string -> *regexp.Regexp

func stepExpr(expr string) *regexp.Regexp {
	if re, ok := stepExprs.Load(expr); ok {
		return re.(*regexp.Regexp)
	}
	re, _ := stepExprs.LoadOrStore(expr, regexp.MustCompile(expr))
	return re.(*regexp.Regexp)
}

// stepRegistry registers steps with precompiled expressions.
type stepRegistry struct{ sc *godog.ScenarioContext }

func (r stepRegistry) Given(expr string, fn any) { r.sc.Given(stepExpr(expr), fn) }
func (r stepRegistry) When(expr string, fn any)  { r.sc.When(stepExpr(expr), fn) }
func (r stepRegistry) Then(expr string, fn any)  { r.sc.Then(stepExpr(expr), fn) }

// registerSteps binds every step sentence of the features to its code.
func registerSteps(gsc *godog.ScenarioContext) {
	sc := stepRegistry{gsc}
	res := resourcePattern

	// Who and what the scenario is about.
	sc.Given(`^a program$`, aProgram)
	sc.Given(`^another program$`, anotherProgram)
	sc.Given(`^a program that does not exist$`, aProgramThatDoesNotExist)
	sc.Given(`^the program asked for does not exist$`, theProgramAskedForDoesNotExist)
	sc.Given(`^`+traitPattern+`$`, aMemberWithTrait)
	sc.Given(`^a member that does not exist$`, aMemberThatDoesNotExist)
	sc.Given(`^a member of another program$`, aMemberOfAnotherProgram)
	sc.Given(`^a member of another program, in its own program$`, aMemberOfAnotherProgramInItsOwnProgram)
	sc.Given(`^the member listed (first|last) in the program$`, theMemberListedInTheProgram)
	sc.Given(`^one of the member's point periods$`, oneOfTheMembersPointPeriods)
	sc.Given(`^one of the member's point periods, read in the member's own program$`, oneOfTheMembersPointPeriodsInItsOwnProgram)
	sc.Given(`^a point period that belongs to another member of the program$`, aPointPeriodOfAnotherMember)
	sc.Given(`^a point period that belongs to a member of another program$`, aPointPeriodOfAMemberOfAnotherProgram)
	sc.Given(`^a point period that does not exist$`, aPointPeriodThatDoesNotExist)

	// How the client behaves.
	sc.Given(`^the client does not name itself$`, theClientDoesNotNameItself)
	sc.Given(`^the client sends its own correlation id$`, theClientSendsItsOwnCorrelationID)
	sc.Given(`^the client sends no correlation id$`, theClientSendsNoCorrelationID)
	sc.Given(`^the client sends no credentials$`, theClientSendsNoCredentials)
	sc.Given(`^the client sends the credentials "([^"]*)"$`, theClientSendsTheCredentials)
	sc.Given(`^the client sends its bearer token$`, theClientSendsItsBearerToken)
	sc.Given(`^the next request carries the profile's fault injection$`, theNextRequestCarriesTheFaultInjection)

	// Requests.
	sc.When(`^the client (?:asks for|lists) `+res+`$`, theClientAsksFor)
	sc.When(`^the client lists `+res+` without page or perPage$`, theClientAsksFor)
	sc.When(`^the client (?:asks for|lists) `+res+` with query "([^"]*)"$`, theClientAsksForWithQuery)
	sc.When(`^the client asks for `+res+` twice$`, theClientAsksForTwice)
	sc.When(`^the client lists `+res+` page (\d+) with (\d+) per page$`, theClientListsPage)
	sc.When(`^the client lists `+res+` on the (first|second) page with (\d+) per page$`, theClientListsPageAt)
	sc.When(`^the client lists `+res+` on the page just after the last one with (\d+) per page$`, theClientListsThePageAfterTheLast)
	sc.When(`^the client lists `+res+` on the last page with (\d+) per page$`, theClientListsTheLastPage)
	sc.When(`^the client asks for `+res+` with (programId|memberId|pointPeriodId) written as "([^"]*)"$`, theClientAsksForWithIDWrittenAs)
	sc.When(`^the client asks for `+res+` with a request target of more than (\d+) characters$`, theClientAsksWithALongTarget)
	sc.When(`^the client asks for `+res+` with more than (\d+) bytes of headers$`, theClientAsksWithLargeHeaders)
	sc.When(`^the client requests the path "([^"]*)" under the program$`, theClientRequestsThePath)
	sc.When(`^the client walks all pages of `+res+` with (\d+) per page$`, theClientWalksAllPages)
	sc.When(`^the client reads all of the member's data$`, theClientReadsAllOfTheMembersData)
	sc.When(`^the client sends up to (\d+) requests for `+res+` as fast as it can$`, theClientSendsABurst)
	sc.When(`^the client reads `+res+` in full$`, theClientReadsInFull)
	sc.When(`^the client sends a request `+requestCasePattern+`$`, theClientSendsARequest)
	sc.When(`^the client sends a (POST|PUT|PATCH|DELETE) request for `+res+`$`, theClientSendsAMethodRequest)

	// Filters.
	sc.When(`^the client looks the member up by customer id$`, lookUpByCustomerID)
	sc.When(`^the client looks the member up by customer id on the (first|second) page$`, lookUpByCustomerIDOnPage)
	sc.When(`^the client filters the members by a customer id that no member has$`, filterMembersByUnknownCustomerID)
	sc.When(`^the client filters the members by the first part of the member's customer id$`, filterMembersByCustomerIDPrefix)
	sc.When(`^the client filters the member's transactions by one of the member's order ids$`, filterTransactionsByOrderID)
	sc.When(`^the client filters the member's transactions by one of the member's point definition references$`, filterTransactionsByRef)
	sc.When(`^the client filters the member's transactions by each of the member's point definition references in turn$`, filterTransactionsByEachRef)
	sc.When(`^the client filters the member's transactions by the first part of one of the member's order ids$`, filterTransactionsByPartOfOrderID)
	sc.When(`^the client filters the member's transactions by one of the member's point definition references, written in the other letter case$`, filterTransactionsByRefInOtherCase)
	sc.When(`^the client filters the member's points history by the first part of one of the member's point definition references$`, filterHistoryByPartOfRef)
	sc.When(`^the client filters the member's transactions by one of the member's order ids and a point definition reference$`, filterTransactionsByOrderAndRef)
	sc.When(`^the client filters the member's points history by one of the member's point definition references$`, filterHistoryByRef)
	sc.When(`^the client filters the member's points history by event type "([^"]*)"$`, filterHistoryByType)
	sc.When(`^the client filters the member's points history from the time of one of its events$`, filterHistoryFrom)
	sc.When(`^the client filters the member's points history from the time of one of its events, written with a \+02:00 offset$`, filterHistoryFromWithOffset)
	sc.When(`^the client filters the member's points history up to the time of one of its events$`, filterHistoryUpTo)
	sc.When(`^the client filters the member's points history between the times of two of its events$`, filterHistoryBetween)
	sc.When(`^the client filters the member's points history from and up to the time of one of its events$`, filterHistoryFromAndUpToSameInstant)
	sc.When(`^the client filters the member's points history by event type, point definition and a time window together$`, filterHistoryByEverything)

	// Generic outcomes.
	sc.Then(`^the response status is (\d+)$`, theResponseStatusIs)
	sc.Then(`^the answer is an? "([^"]*)" error$`, theAnswerIsAnError)
	sc.Then(`^the error names the parameter "([^"]*)"$`, theErrorNamesTheParameter)
	sc.Then(`^the error names the parameters "([^"]*)" and "([^"]*)"$`, theErrorNamesTheParametersAnd)
	sc.Then(`^the error names the parameter "([^"]*)" or "([^"]*)"$`, theErrorNamesEitherParameter)
	sc.Then(`^the error body carries the same correlation id as the response$`, theErrorBodyCarriesTheCorrelationID)
	sc.Then(`^the response carries the correlation id the client sent$`, theResponseCarriesTheSentCorrelationID)
	sc.Then(`^the response carries a correlation id generated by the server$`, theResponseCarriesAGeneratedCorrelationID)
	sc.Then(`^the two answers carry different correlation ids$`, theTwoAnswersCarryDifferentCorrelationIDs)
	sc.Then(`^the two answers are the same$`, theTwoAnswersAreTheSame)
	sc.Then(`^the answer is the same as with query "([^"]*)"$`, theAnswerIsTheSameAsWithQuery)
	sc.Then(`^the answer says after how many seconds to retry$`, theAnswerSaysWhenToRetry)
	sc.Then(`^the answer does not show a stack trace$`, theAnswerShowsNoStackTrace)
	sc.Then(`^the program is the one asked for$`, theProgramIsTheOneAskedFor)
	sc.Then(`^the member is the one asked for$`, theMemberIsTheOneAskedFor)
	sc.Then(`^the point period is the one asked for$`, thePointPeriodIsTheOneAskedFor)
	sc.Then(`^the answer carries the Error body: the HTTP reason as title, its status, a message and its correlation id$`, theAnswerCarriesTheErrorBody)
	sc.Then(`^the request is refused with a client error$`, theRequestIsRefusedWithAClientError)

	// Every answer.
	sc.Then(`^every answer matches the contract's schema$`, everyAnswerMatchesTheSchema)
	sc.Then(`^every timestamp in the answers is RFC 3339 in UTC with a Z suffix$`, everyTimestampIsUTC)
	sc.Then(`^(?:every|the) answer is JSON, sent as application/json$`, everyAnswerIsJSON)

	// Paging.
	sc.Then(`^the page holds at most (\d+) items$`, thePageHoldsAtMost)
	sc.Then(`^the page holds exactly (\d+) items$`, thePageHoldsExactly)
	sc.Then(`^the page holds the first (\d+) items$`, thePageHoldsTheFirst)
	sc.Then(`^the page is empty$`, thePageIsEmpty)
	sc.Then(`^the list is empty with no pages$`, theListIsEmptyWithNoPages)
	sc.Then(`^the list is not empty$`, theListIsNotEmpty)
	sc.Then(`^the list has more than (\d+) pages?$`, theListHasMoreThanPages)
	sc.Then(`^the list has (\d+) items? on (\d+) pages?$`, theListHasItemsOnPages)
	sc.Then(`^the totals are the same as on the first page$`, theTotalsAreTheSameAsOnTheFirstPage)
	sc.Then(`^the number of pages is the number of items divided by (\d+), rounded up$`, theNumberOfPagesIsCeil)
	sc.Then(`^the totals are the same on every page$`, theTotalsAreTheSameOnEveryPage)
	sc.Then(`^every page but the last holds exactly (\d+) items$`, everyPageButTheLastIsFull)
	sc.Then(`^the last page holds the remaining items$`, theLastPageHoldsTheRest)
	sc.Then(`^every item was returned exactly once$`, everyItemWasReturnedExactlyOnce)
	sc.Then(`^the items are in the documented order of `+res+`$`, theItemsAreInTheDocumentedOrder)
	sc.Then(`^the items are ordered by (.+)$`, theItemsAreOrderedBy)
	sc.Then(`^the items are the same as items (\d+) to (\d+) of the (first|second) page with (\d+) per page$`, theItemsAreTheSameAsItemsOf)
	sc.Then(`^every page holds only items, totalItems and totalPages$`, everyPageHoldsOnlyItemsAndTotals)
	sc.Then(`^totalItems counts every item of the whole list$`, totalItemsCountsTheWholeList)

	// Filters.
	sc.Then(`^the filtered list is exactly the items that match, in the same order$`, theFilteredListIsExactlyTheMatchingItems)
	sc.Then(`^the filtered list includes the event at (?:that|the first) instant$`, theFilteredListIncludesTheBoundEvent)
	sc.Then(`^the filtered list leaves out the event at (?:that|the second) instant$`, theFilteredListLeavesOutTheBoundEvent)
	sc.Then(`^together the filtered lists hold every transaction that has a point definition reference, exactly once$`, togetherTheFilteredListsHoldEveryTransaction)
	sc.Then(`^every item has exactly that customer id$`, everyItemHasExactlyThatCustomerID)
	sc.Then(`^the filtered list holds exactly the member, as it looks on its own$`, theFilteredListHoldsExactlyTheMember)
	sc.Then(`^the filtered list does not hold the member of the other program$`, theFilteredListDoesNotHoldTheOtherMember)
	sc.Then(`^the list does not hold the member of the other program$`, theListDoesNotHoldTheOtherMember)

	// Consistency.
	sc.Then(`^every item belongs to the program's organisation$`, everyItemBelongsToTheProgramsOrganisation)
	sc.Then(`^every item belongs to the program$`, everyItemBelongsToTheProgram)
	sc.Then(`^every member on the page looks the same when read on its own$`, everyMemberLooksTheSameOnItsOwn)
	sc.Then(`^every point period in the list looks the same when read on its own$`, everyPointPeriodLooksTheSameOnItsOwn)
	sc.Then(`^the member belongs to the program's organisation$`, theMemberBelongsToTheProgramsOrganisation)
	sc.Then(`^the reward ladder belongs to the member and the program$`, theRewardLadderBelongsToTheMember)
	sc.Then(`^the levels are the same as those of `+traitPattern+`$`, theLevelsAreTheSameAsThoseOf)
	// Realistic data.
	for _, r := range memberRules {
		sc.Then(`^`+regexp.QuoteMeta(r.phrase)+`$`, domainStep(r.rule, r.check))
	}
	sc.Given(`^(\d+) members spread across the program$`, membersSpreadAcrossTheProgram)
	sc.When(`^the client reads all of their data$`, theClientReadsAllOfTheirData)
	sc.Then(`^for each of them, (.+)$`, forEachOfThem)
	sc.Then(`^they all see the same reward ladder levels$`, theyAllSeeTheSameLadderLevels)
	sc.Then(`^no two of them share a transaction, point period, suspension or points history id$`, theyShareNoIDs)
	sc.Then(`^the reward ladder has between 2 and 5 levels ranked 1 to n$`, theRewardLadderHasTwoToFiveLevels)
	sc.Then(`^each level requires more points than the level below it$`, eachLevelRequiresMore)
	sc.Then(`^the program was created no later than it was last updated, and not after now$`, theProgramWasCreatedBeforeUpdated)

	// Traits of the profile's members.
	sc.Then(`^the member has no transactions, point periods, points history or suspensions$`,
		traitStep("must have no activity", hasNoActivity))
	sc.Then(`^the member has reached no level$`, traitStep("must have reached no level", hasReachedNoLevel))
	sc.Then(`^the member has reached a level$`, traitStep("must have reached a level", hasReachedALevel))
	sc.Then(`^the member has reached the top level$`, traitStep("must have reached the top level", hasReachedTheTopLevel))
	sc.Then(`^the member has between (\d+) and (\d+) transactions$`, func(ctx context.Context, lo, hi int) error {
		return traitStep("must have between the given numbers of transactions", hasTransactionsBetween(lo, hi))(ctx)
	})
	sc.Then(`^the member has more than (\d+) transactions$`, func(ctx context.Context, n int) error {
		return traitStep("must have more transactions", hasTransactionsBetween(n+1, 1<<31-1))(ctx)
	})
	sc.Then(`^the member has at least (\d+) point periods$`, func(ctx context.Context, n int) error {
		return traitStep("must have more point periods", hasPointPeriods(n))(ctx)
	})
	sc.Then(`^the member has an open suspension and at least (\d+) past ones$`, func(ctx context.Context, n int) error {
		return traitStep("must have one open and several past suspensions", hasOpenAndPastSuspensions(n))(ctx)
	})
	sc.Then(`^the member's points history holds "([^"]*)" events$`, func(ctx context.Context, typ string) error {
		return traitStep("must have "+typ+" events", historyHolds(typ))(ctx)
	})
}
