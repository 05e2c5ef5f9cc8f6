@suspensions
Feature: A member's suspension periods
  A member can be suspended for periods of time. A period without an end is still
  running. Clients list a member's suspension periods, newest first.

  Scenario: A suspended member's suspension periods can be listed
    Given a currently suspended member
    When the client lists the member's suspension periods
    Then the response status is 200
    And the list is not empty

  Scenario: A newcomer has never been suspended
    Given a newcomer
    When the client lists the member's suspension periods
    Then the response status is 200
    And the list is empty with no pages

  @domain
  Scenario Outline: A member has at most one open suspension and suspensions do not overlap (<member>)
    Given <member>
    When the client reads all of the member's data
    Then the member has at most one open suspension and suspensions do not overlap

    Examples:
      | member                                                |
      | a currently suspended member                          |
      | a member with more than 100 transactions              |
      | a member with between 21 and 100 transactions         |
      | a member whose points have expired and been cancelled |
      | the member listed first in the program                |
      | the member listed last in the program                 |
