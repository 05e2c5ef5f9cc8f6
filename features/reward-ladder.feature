@reward-ladder
Feature: A member's reward ladder
  A program's reward ladder has levels, ranked from 1 upwards. Each level requires a
  number of points within a point period and gives rewards. The ladder tells which
  level the member has reached in the current point period.

  Scenario Outline: The reward ladder belongs to the member and the program (<member>)
    Given <member>
    When the client asks for the member's reward ladder
    Then the response status is 200
    And the reward ladder belongs to the member and the program

    Examples:
      | member                                                |
      | a newcomer                                            |
      | a member with between 21 and 100 transactions         |
      | a member with more than 100 transactions              |
      | a currently suspended member                          |
      | a member whose points have expired and been cancelled |

  @domain
  Scenario Outline: The ladder has 2 to 5 levels, ranked 1 to n, with rising requirements (<member>)
    Given <member>
    When the client asks for the member's reward ladder
    Then the reward ladder has between 2 and 5 levels ranked 1 to n
    And each level requires more points than the level below it

    Examples:
      | member                                        |
      | a newcomer                                    |
      | a member with more than 100 transactions      |
      | a member of another program, in its own program |

  @domain
  Scenario: Every member of a program sees the same ladder levels
    Given a member with between 21 and 100 transactions
    When the client asks for the member's reward ladder
    Then the levels are the same as those of a member with more than 100 transactions

  @domain
  Scenario: Members spread across the program all see the same ladder levels
    Given 12 members spread across the program
    When the client reads all of their data
    Then they all see the same reward ladder levels

  @domain
  Scenario Outline: The current level is the highest level the member's points in the current period meet (<member>)
    Given <member>
    When the client reads all of the member's data
    Then the current level is the highest level met by the member's points in the current period

    Examples:
      | member                                                |
      | a newcomer                                            |
      | a member with between 21 and 100 transactions         |
      | a member with more than 100 transactions              |
      | a currently suspended member                          |
      | a member whose points have expired and been cancelled |
      | the member listed first in the program                |
      | the member listed last in the program                 |
