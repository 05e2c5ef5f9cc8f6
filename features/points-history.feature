@points-history
Feature: A member's points history
  The points history lists every change to a member's points, newest first: points
  EARNED and CONSUMED by transactions, CANCELLED with a transaction, and EXPIRED when
  their time ran out. Clients can narrow it by point definition, by event type and by
  time (createdAfter is inclusive, createdBefore is exclusive).

  Scenario: A member's points history can be listed
    Given a member with more than 100 transactions
    When the client lists the member's points history
    Then the response status is 200
    And the page holds exactly 20 items

  @domain @consistency
  Scenario Outline: The points history agrees with the transactions (<member>)
    Given <member>
    When the client reads all of the member's data
    Then the points history agrees with the transactions

    Examples:
      | member                                                |
      | a newcomer                                            |
      | a member with between 21 and 100 transactions         |
      | a member with more than 100 transactions              |
      | a currently suspended member                          |
      | a member whose points have expired and been cancelled |
      | the member listed first in the program                |
      | the member listed last in the program                 |

  @filters
  Scenario Outline: Filtering by event type <type> returns exactly the <type> events
    Given <member>
    When the client filters the member's points history by event type "<type>"
    Then the filtered list is exactly the items that match, in the same order

    Examples:
      | type      | member                                                |
      | EARNED    | a member with between 21 and 100 transactions         |
      | CONSUMED  | a member with more than 100 transactions              |
      | EXPIRED   | a member whose points have expired and been cancelled |
      | CANCELLED | a member whose points have expired and been cancelled |
      | CONSUMED  | a newcomer                                            |

  @filters
  Scenario Outline: Filtering by one of the member's point definitions returns exactly those events (<member>)
    Given <member>
    When the client filters the member's points history by one of the member's point definition references
    Then the filtered list is exactly the items that match, in the same order

    Examples:
      | member                                                |
      | a member with more than 100 transactions              |
      | a member whose points have expired and been cancelled |

  @filters
  Scenario: The point definition filter is an exact match: the first part of a reference finds nothing
    Given a member with more than 100 transactions
    When the client filters the member's points history by the first part of one of the member's point definition references
    Then the filtered list is exactly the items that match, in the same order

  @filters
  Scenario: createdAfter is inclusive: an event at exactly that instant is included
    Given a member with more than 100 transactions
    When the client filters the member's points history from the time of one of its events
    Then the filtered list is exactly the items that match, in the same order
    And the filtered list includes the event at that instant

  @filters
  Scenario: createdBefore is exclusive: an event at exactly that instant is left out
    Given a member with more than 100 transactions
    When the client filters the member's points history up to the time of one of its events
    Then the filtered list is exactly the items that match, in the same order
    And the filtered list leaves out the event at that instant

  @filters
  Scenario: createdAfter and createdBefore together keep the events from the first instant up to the second
    Given a member with more than 100 transactions
    When the client filters the member's points history between the times of two of its events
    Then the filtered list is exactly the items that match, in the same order
    And the filtered list includes the event at the first instant
    And the filtered list leaves out the event at the second instant

  @filters
  Scenario: createdAfter equal to createdBefore is a valid, empty time window
    Given a member with more than 100 transactions
    When the client filters the member's points history from and up to the time of one of its events
    Then the response status is 200
    And the list is empty with no pages

  @filters
  Scenario: A time filter written with a +02:00 offset means the same instant as in UTC
    Given a member with more than 100 transactions
    When the client filters the member's points history from the time of one of its events, written with a +02:00 offset
    Then the filtered list is exactly the items that match, in the same order
    And the filtered list includes the event at that instant

  @filters
  Scenario: Time, type and point definition filters combine with AND
    Given a member whose points have expired and been cancelled
    When the client filters the member's points history by event type, point definition and a time window together
    Then the filtered list is exactly the items that match, in the same order

  @filters @errors
  Scenario Outline: An event type that does not exist (<value>) is refused, naming pointEventType
    Given a member whose points have expired and been cancelled
    When the client lists the member's points history with query "pointEventType=<value>"
    Then the answer is a "Bad Request" error
    And the error names the parameter "pointEventType"

    Examples:
      | value   |
      | earned  |
      | REFUND  |
      | EARNED, |
      | 1       |

  @filters @errors
  Scenario Outline: A time filter that is not an RFC 3339 date-time (<value>) is refused, naming it
    Given a member with more than 100 transactions
    When the client lists the member's points history with query "<parameter>=<value>"
    Then the answer is a "Bad Request" error
    And the error names the parameter "<parameter>"

    Examples:
      | parameter     | value                 |
      | createdAfter  | yesterday             |
      | createdAfter  | 2025-13-01T00:00:00Z  |
      | createdAfter  | 2025-03-14            |
      | createdAfter  | 2025-03-14T08:15:00   |
      | createdAfter  | 1741940100            |
      | createdBefore | tomorrow              |
      | createdBefore | 2025-02-30T00:00:00Z  |
      | createdBefore | 2025-03-14T25:00:00Z  |
      | createdBefore | 2025-03-14 08:15:00Z  |

  @filters @errors
  Scenario: A time window whose start is after its end is refused
    Given a member with more than 100 transactions
    When the client lists the member's points history with query "createdAfter=2025-06-01T00:00:00Z&createdBefore=2025-05-01T00:00:00Z"
    Then the answer is a "Bad Request" error
    And the error names the parameter "createdAfter" or "createdBefore"

  @filters @errors
  Scenario: A bad event type and a bad time are both named
    Given a member with more than 100 transactions
    When the client lists the member's points history with query "pointEventType=GIFT&createdBefore=soon"
    Then the answer is a "Bad Request" error
    And the error names the parameters "pointEventType" and "createdBefore"
