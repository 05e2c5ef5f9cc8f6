@domain
Feature: Realistic data holds together
  The data describes a Norwegian public-transport loyalty program, and it holds
  together the way real data does: nothing happens before a member joined or after
  now, point periods do not overlap, transactions fall inside their point period,
  suspensions do not overlap, and the ladder level matches the points.

  Scenario Outline: Nothing in the member's data happened before the member joined or after now (<member>)
    Given <member>
    When the client reads all of the member's data
    Then nothing in the member's data happened before the member joined or after now

    Examples:
      | member                                                |
      | a newcomer                                            |
      | a member with between 21 and 100 transactions         |
      | a member with more than 100 transactions              |
      | a currently suspended member                          |
      | a member whose points have expired and been cancelled |
      | the member listed first in the program                |
      | the member listed last in the program                 |

  Scenario Outline: Every record was created no later than it was last updated (<member>)
    Given <member>
    When the client reads all of the member's data
    Then every record was created no later than it was last updated

    Examples:
      | member                                                |
      | a member with between 21 and 100 transactions         |
      | a member with more than 100 transactions              |
      | a member whose points have expired and been cancelled |
      | the member listed last in the program                 |

  Scenario: The program was created no later than it was last updated, and not after now
    Given a program
    When the client asks for the program
    Then the program was created no later than it was last updated, and not after now

  Scenario Outline: Every transaction with a point period lies inside that period (<member>)
    Given <member>
    When the client reads all of the member's data
    Then every transaction with a point period lies inside that period

    Examples:
      | member                                                |
      | a member with between 21 and 100 transactions         |
      | a member with more than 100 transactions              |
      | a currently suspended member                          |
      | a member whose points have expired and been cancelled |
      | the member listed first in the program                |
      | the member listed last in the program                 |

  Scenario Outline: All rules hold together for a member from the list (<member>)
    Given <member>
    When the client reads all of the member's data
    Then the member's point periods do not overlap
    And every transaction with a point period lies inside that period
    And the points history agrees with the transactions
    And the member has at most one open suspension and suspensions do not overlap
    And the current level is the highest level met by the member's points in the current period
    And nothing in the member's data happened before the member joined or after now
    And every record was created no later than it was last updated

    Examples:
      | member                                          |
      | the member listed first in the program          |
      | the member listed last in the program           |
      | a member of another program, in its own program |

  Scenario Outline: For members spread across the program: <rule>
    Given 12 members spread across the program
    When the client reads all of their data
    Then for each of them, <rule>

    Examples:
      | rule                                                                                 |
      | the member's point periods do not overlap                                            |
      | every transaction with a point period lies inside that period                        |
      | the points history agrees with the transactions                                      |
      | the member has at most one open suspension and suspensions do not overlap            |
      | the current level is the highest level met by the member's points in the current period |
      | nothing in the member's data happened before the member joined or after now          |
      | every record was created no later than it was last updated                           |
      | every transaction's point period is one of the member's point periods                |
      | every points history event refers to one of the member's transactions and point periods |
      | the member's organisation is its program's                                           |
      | the reward ladder has 2 to 5 levels ranked 1 to n with rising requirements           |
      | the member's data looks real: stop places are NeTEx ids, user types are codes such as ADULT and discounts are percentages |

  Scenario: Ids are unique across the whole API: members spread across the program share no ids
    Given 12 members spread across the program
    When the client reads all of their data
    Then no two of them share a transaction, point period, suspension or points history id

  Scenario Outline: Values look real: stop places are NeTEx ids, user types are codes such as ADULT, discounts are percentages (<member>)
    Given <member>
    When the client reads all of the member's data
    Then the member's data looks real: stop places are NeTEx ids, user types are codes such as ADULT and discounts are percentages

    Examples:
      | member                                                |
      | a member with between 21 and 100 transactions         |
      | a member with more than 100 transactions              |
      | a currently suspended member                          |
      | a member whose points have expired and been cancelled |
