@mock-control @unsafe-methods
Feature: Controlling the mock
  QA and frontend developers put the mock in the state a scenario needs: an error on
  the next requests, a slow network, a journal of what the client asked. Every forced
  answer is one the contract documents, so it passes every check the suite makes.

  These scenarios drive the mock's own endpoints (/__mock/) and its Prefer header, so
  they run only against the mock, when asked for (--tags @mock-control). Each scenario
  sends an ET-Client-Name of its own and its fault rules and journal reads are limited
  to it; the reset scenario resets the whole mock, so run them against a mock of your
  own, one at a time (--concurrency 1).

  @errors
  Scenario: The member service answers 429 for the next 2 requests, then recovers
    Given a member with between 21 and 100 transactions
    And the member service answers 429 for the next 2 requests
    When the client asks for the member's transactions
    Then the answer is a "Too Many Requests" error
    And the answer says after how many seconds to retry
    When the client asks for the member
    Then the answer is a "Too Many Requests" error
    When the client asks for the member's transactions
    Then the response status is 200

  @errors
  Scenario: The member service fails on every request until the mock is reset
    Given a member with between 21 and 100 transactions
    And the member service answers 500 to every request
    When the client asks for the member's reward ladder
    Then the answer is an "Internal Server Error" error
    And the answer does not show a stack trace
    When the mock is reset
    And the client asks for the member's reward ladder
    Then the response status is 200

  Scenario: A slow member service still answers, later
    Given a member with between 21 and 100 transactions
    And the member service is slow by 300 ms
    When the client asks for the member, timing the answer
    Then the response status is 200
    And the answer took at least 300 ms

  @errors
  Scenario Outline: The client asks for a <status> with the Prefer header, and gets the documented answer
    Given a member with between 21 and 100 transactions
    When the client asks for the member's transactions preferring status <status>
    Then the answer is a "<title>" error
    And the error body carries the same correlation id as the response

    Examples:
      | status | title                 |
      | 400    | Bad Request           |
      | 401    | Unauthorized          |
      | 404    | Not Found             |
      | 429    | Too Many Requests     |
      | 500    | Internal Server Error |

  @errors
  Scenario: A status the operation does not document is refused, naming the Prefer header
    Given a member with between 21 and 100 transactions
    When the client asks for the member preferring status 418
    Then the answer is a "Bad Request" error
    And the error names the parameter "Prefer"

  Scenario: A delay asked for with the Prefer header
    Given a newcomer
    When the client asks for the member preferring a delay of 200 ms
    Then the response status is 200
    And the answer took at least 200 ms

  Scenario: The journal shows what the client asked, and whether it kept to the contract
    Given the journal is cleared
    And a member with between 21 and 100 transactions
    When the client asks for the member
    And the client lists the member's transactions with query "perPage=0"
    Then the journal shows 2 requests
    And the journal shows the request for the member answered 200
    And the journal shows the correlation id of the last request
    And the journal shows the request for the member's transactions answered 400
    And the journal shows the request for the member's transactions broke the contract
    And the journal shows every answer kept to the contract

  Scenario: A forced answer is marked in the journal
    Given the journal is cleared
    And a currently suspended member
    And the member service answers 404 for the next 1 request
    When the client asks for the member's suspension periods
    Then the answer is a "Not Found" error
    And the journal shows 1 request
    And the journal shows the request for the member's suspension periods answered 404
    And the journal shows the last answer was forced
    And the journal shows every request kept to the contract
    And the journal shows every answer kept to the contract
