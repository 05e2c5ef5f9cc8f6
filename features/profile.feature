@profile
Feature: The target members have the traits the suite relies on
  The scenarios talk about "a newcomer", "a member with more than 100 transactions"
  and so on. The target profile names one member per trait; these scenarios check
  that each named member really has its trait, so that no other scenario passes
  for the wrong reason.

  Scenario: A newcomer has no activity and no level yet
    Given a newcomer
    When the client reads all of the member's data
    Then the member has no transactions, point periods, points history or suspensions
    And the member has reached no level

  Scenario: A member with between 21 and 100 transactions has several point periods and a level
    Given a member with between 21 and 100 transactions
    When the client reads all of the member's data
    Then the member has between 21 and 100 transactions
    And the member has at least 2 point periods
    And the member has reached a level

  Scenario: A member with more than 100 transactions has reached the top level
    Given a member with more than 100 transactions
    When the client reads all of the member's data
    Then the member has more than 100 transactions
    And the member has reached the top level

  Scenario: A currently suspended member has one open suspension and past ones
    Given a currently suspended member
    When the client reads all of the member's data
    Then the member has an open suspension and at least 2 past ones

  Scenario: A member whose points have expired and been cancelled has both kinds of events
    Given a member whose points have expired and been cancelled
    When the client reads all of the member's data
    Then the member's points history holds "EXPIRED" events
    And the member's points history holds "CANCELLED" events
