@rate-limit
Feature: Rate limiting
  A client that sends too many requests is told to slow down with 429, the Error body
  and a Retry-After header in seconds. Runs only when asked for (--tags @rate-limit),
  against a target that limits its clients.

  @errors
  Scenario: A burst of requests is answered with 429 and Retry-After
    Given a member with between 21 and 100 transactions
    When the client sends up to 500 requests for the member's transactions as fast as it can
    Then the answer is a "Too Many Requests" error
    And the answer says after how many seconds to retry
