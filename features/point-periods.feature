@point-periods
Feature: A member's point periods
  Points are counted per point period (for example a calendar year). Clients list a
  member's point periods, newest first, and read one of them.

  Scenario: A member's point periods can be listed
    Given a member with between 21 and 100 transactions
    When the client lists the member's point periods
    Then the response status is 200
    And the list is not empty

  Scenario: A point period of the member can be read
    Given a member with between 21 and 100 transactions
    And one of the member's point periods
    When the client asks for the point period
    Then the response status is 200
    And the point period is the one asked for

  @consistency
  Scenario Outline: Every point period in the list looks the same when read on its own (<member>)
    Given <member>
    When the client walks all pages of the member's point periods with 100 per page
    Then every point period in the list looks the same when read on its own

    Examples:
      | member                                                |
      | a member with between 21 and 100 transactions         |
      | a member with more than 100 transactions              |
      | a member whose points have expired and been cancelled |

  @domain
  Scenario Outline: A member's point periods do not overlap (<member>)
    Given <member>
    When the client reads all of the member's data
    Then the member's point periods do not overlap

    Examples:
      | member                                                |
      | a member with between 21 and 100 transactions         |
      | a member with more than 100 transactions              |
      | a currently suspended member                          |
      | a member whose points have expired and been cancelled |

  @isolation @errors
  Scenario: A point period of another member is not found under this member
    Given a member with between 21 and 100 transactions
    And a point period that belongs to another member of the program
    When the client asks for the point period
    Then the answer is a "Not Found" error

  @isolation @errors
  Scenario: A point period of a member of another program is not found under this member
    Given a member with between 21 and 100 transactions
    And a point period that belongs to a member of another program
    When the client asks for the point period
    Then the answer is a "Not Found" error

  @errors
  Scenario: A point period that does not exist is not found
    Given a member with between 21 and 100 transactions
    And a point period that does not exist
    When the client asks for the point period
    Then the answer is a "Not Found" error
