@schema
Feature: Every answer has the documented shape
  Every answer is JSON, sent as application/json, and matches the contract's schema:
  every required property is present and never null, every property has its
  documented type and format, and there is no property the contract does not define.
  Timestamps are RFC 3339 date-times in UTC with a Z suffix, such as
  2025-03-14T08:15:00Z. These scenarios read whole lists, at 100 per page, so that
  every item is checked and not only the first page; each one judges the answers by
  its own rule.

  Scenario Outline: The answer for <resource> has the documented shape, every required property present and not null, of its type, and no other (<subject>)
    Given <subject>
    When the client reads <resource> in full
    Then every answer matches the contract's schema

    Examples:
      | resource                        | subject                                               |
      | the program                     | a member with between 21 and 100 transactions         |
      | the members                     | a member with between 21 and 100 transactions         |
      | the member                      | a member whose points have expired and been cancelled |
      | the member's transactions       | a member whose points have expired and been cancelled |
      | the member's transactions       | a member with more than 100 transactions              |
      | the member's point periods      | a member with more than 100 transactions              |
      | the member's reward ladder      | a member with more than 100 transactions              |
      | the member's reward ladder      | a member whose points have expired and been cancelled |
      | the member's points history     | a member whose points have expired and been cancelled |
      | the member's points history     | a member with more than 100 transactions              |
      | the member's suspension periods | a currently suspended member                          |

  Scenario: The answer for a point period has the documented shape, every required property present and not null, of its type, and no other
    Given a member with between 21 and 100 transactions
    And one of the member's point periods
    When the client reads the point period in full
    Then every answer matches the contract's schema

  Scenario Outline: Every timestamp in <resource> is RFC 3339 in UTC with a Z suffix (<subject>)
    Given <subject>
    When the client reads <resource> in full
    Then every timestamp in the answers is RFC 3339 in UTC with a Z suffix

    Examples:
      | resource                        | subject                                               |
      | the program                     | a member with between 21 and 100 transactions         |
      | the members                     | a member with between 21 and 100 transactions         |
      | the member                      | a member with between 21 and 100 transactions         |
      | the member's transactions       | a member whose points have expired and been cancelled |
      | the member's transactions       | a member with more than 100 transactions              |
      | the member's point periods      | a member with more than 100 transactions              |
      | the member's points history     | a member whose points have expired and been cancelled |
      | the member's suspension periods | a currently suspended member                          |

  Scenario: Every timestamp in a point period is RFC 3339 in UTC with a Z suffix
    Given a member with between 21 and 100 transactions
    And one of the member's point periods
    When the client reads the point period in full
    Then every timestamp in the answers is RFC 3339 in UTC with a Z suffix

  Scenario Outline: The answer for <resource> is JSON, with Content-Type application/json
    Given a member with between 21 and 100 transactions
    When the client reads <resource> in full
    Then every answer is JSON, sent as application/json

    Examples:
      | resource                        |
      | the program                     |
      | the members                     |
      | the member                      |
      | the member's transactions       |
      | the member's point periods      |
      | the member's reward ladder      |
      | the member's points history     |
      | the member's suspension periods |

  Scenario: The answer for a point period is JSON, with Content-Type application/json
    Given a member with between 21 and 100 transactions
    And one of the member's point periods
    When the client reads the point period in full
    Then every answer is JSON, sent as application/json
