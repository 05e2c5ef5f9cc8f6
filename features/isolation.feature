@isolation
Feature: Programs are isolated from each other
  Ids are unique across the whole API, and a program only shows its own members. A
  member of another program, asked for under this program, is simply not found, and
  so is everything under it.

  @errors
  Scenario Outline: A member of another program is not found under this program: <resource>
    Given a member of another program
    When the client asks for <resource>
    Then the answer is a "Not Found" error

    Examples:
      | resource                        |
      | the member                      |
      | the member's transactions       |
      | the member's point periods      |
      | the member's reward ladder      |
      | the member's points history     |
      | the member's suspension periods |

  @errors
  Scenario: A point period of a member of another program is not found under this program either
    Given a member of another program
    And one of the member's point periods, read in the member's own program
    When the client asks for the point period
    Then the answer is a "Not Found" error

  Scenario: The same member is found in its own program
    Given a member of another program, in its own program
    When the client asks for the member
    Then the response status is 200
    And the member is the one asked for

  @errors
  Scenario Outline: A program that does not exist has nothing under it: <resource>
    Given a member with between 21 and 100 transactions
    And one of the member's point periods
    But the program asked for does not exist
    When the client asks for <resource>
    Then the answer is a "Not Found" error

    Examples:
      | resource                        |
      | the program                     |
      | the members                     |
      | the member                      |
      | the member's transactions       |
      | the member's point periods      |
      | the point period                |
      | the member's reward ladder      |
      | the member's points history     |
      | the member's suspension periods |

  @filters
  Scenario: Looking up another program's member by customer id never finds that membership here
    Given a member of another program
    When the client looks the member up by customer id
    Then the response status is 200
    And the filtered list does not hold the member of the other program

  Scenario: The members of a program do not include a member of another program
    Given a member of another program
    When the client walks all pages of the members with 100 per page
    Then the list does not hold the member of the other program

  Scenario: Another program can be read on its own
    Given another program
    When the client asks for the program
    Then the response status is 200
    And the program is the one asked for
