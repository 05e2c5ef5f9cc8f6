@consistency
Feature: The same data everywhere
  The same member looks the same in the members list, when read on its own, and in
  every sub-resource, on every request.

  Scenario Outline: A member looks the same in the list and on its own (<member>)
    Given <member>
    When the client looks the member up by customer id
    Then the filtered list holds exactly the member, as it looks on its own

    Examples:
      | member                                                |
      | a newcomer                                            |
      | a member with more than 100 transactions              |
      | a currently suspended member                          |

  Scenario Outline: A member belongs to its program's organisation (<member>)
    Given <member>
    When the client asks for the member
    Then the member belongs to the program's organisation

    Examples:
      | member                                                |
      | a newcomer                                            |
      | a member with between 21 and 100 transactions         |
      | a member with more than 100 transactions              |
      | a currently suspended member                          |
      | a member whose points have expired and been cancelled |
      | a member of another program, in its own program       |

  Scenario Outline: Asking twice gives the same answer: <resource>
    Given a member with between 21 and 100 transactions
    And one of the member's point periods
    When the client asks for <resource> twice
    Then the two answers are the same

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

  Scenario: A page with a smaller page size holds the same items as the start of a larger page
    Given a member with more than 100 transactions
    When the client lists the member's transactions on the second page with 10 per page
    Then the items are the same as items 11 to 20 of the first page with 20 per page

  Scenario: Every transaction with a point period refers to one of the member's point periods
    Given a member with more than 100 transactions
    When the client reads all of the member's data
    Then every transaction's point period is one of the member's point periods

  Scenario: Every points history event refers to one of the member's transactions and point periods
    Given a member whose points have expired and been cancelled
    When the client reads all of the member's data
    Then every points history event refers to one of the member's transactions and point periods
