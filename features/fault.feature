@fault
Feature: Server faults
  When the server fails, it answers 500 with the Error body, never a stack trace.
  Runs only when asked for (--tags @fault), against a target where a fault can be
  injected on purpose; the profile says how (see "fault" in the profile format).

  @errors
  Scenario: An injected fault is answered with 500 and the Error body
    Given a member with between 21 and 100 transactions
    And the next request carries the profile's fault injection
    When the client asks for the member's transactions
    Then the answer is an "Internal Server Error" error
    And the error body carries the same correlation id as the response
    And the answer does not show a stack trace
