@transactions
Feature: A member's transactions
  Members earn points through transactions (a journey bought, a campaign code) and
  spend them through negative ones. Clients list a member's transactions, newest
  first, and can narrow the list to one order or one point definition.

  Scenario: A member's transactions can be listed
    Given a member with between 21 and 100 transactions
    When the client lists the member's transactions
    Then the response status is 200
    And the page holds exactly 20 items

  Scenario: A newcomer has no transactions yet
    Given a newcomer
    When the client lists the member's transactions
    Then the response status is 200
    And the list is empty with no pages

  @consistency
  Scenario Outline: Every transaction belongs to the member's program (<member>)
    Given <member>
    When the client walks all pages of the member's transactions with 100 per page
    Then every item belongs to the program

    Examples:
      | member                                                |
      | a member with between 21 and 100 transactions         |
      | a member with more than 100 transactions              |
      | a member whose points have expired and been cancelled |

  @filters
  Scenario Outline: Filtering by one of the member's order ids returns exactly that order's transactions (<member>)
    Given <member>
    When the client filters the member's transactions by one of the member's order ids
    Then the filtered list is exactly the items that match, in the same order

    Examples:
      | member                                        |
      | a member with between 21 and 100 transactions |
      | a member with more than 100 transactions      |

  @filters
  Scenario Outline: Filtering by one of the member's point definitions returns exactly those transactions (<member>)
    Given <member>
    When the client filters the member's transactions by one of the member's point definition references
    Then the filtered list is exactly the items that match, in the same order

    Examples:
      | member                                                |
      | a member with between 21 and 100 transactions         |
      | a member with more than 100 transactions              |
      | a member whose points have expired and been cancelled |

  @filters
  Scenario: Filtering transactions by every point definition in turn splits the list without losing any
    Given a member with more than 100 transactions
    When the client filters the member's transactions by each of the member's point definition references in turn
    Then together the filtered lists hold every transaction that has a point definition reference, exactly once

  @filters
  Scenario: The order id filter is an exact match: the first part of an order id finds nothing
    Given a member with more than 100 transactions
    When the client filters the member's transactions by the first part of one of the member's order ids
    Then the filtered list is exactly the items that match, in the same order

  @filters
  Scenario: The point definition filter is an exact match: a reference written in the other letter case finds nothing
    Given a member with more than 100 transactions
    When the client filters the member's transactions by one of the member's point definition references, written in the other letter case
    Then the filtered list is exactly the items that match, in the same order

  @filters
  Scenario: Order id and point definition filters combine with AND
    Given a member with more than 100 transactions
    When the client filters the member's transactions by one of the member's order ids and a point definition reference
    Then the filtered list is exactly the items that match, in the same order

  @filters
  Scenario: An order id the member does not have finds nothing
    Given a member with more than 100 transactions
    When the client lists the member's transactions with query "orderId=NO-SUCH-ORDER-0000000"
    Then the response status is 200
    And the list is empty with no pages

  @filters
  Scenario: A point definition reference the program does not have finds nothing
    Given a member with more than 100 transactions
    When the client lists the member's transactions with query "pointDefinitionReference=NO-SUCH-POINT-DEFINITION"
    Then the response status is 200
    And the list is empty with no pages

  @filters
  Scenario: A query parameter the API does not know is ignored
    Given a member with more than 100 transactions
    When the client lists the member's transactions with query "colour=blue&perPage=7"
    Then the response status is 200
    And the answer is the same as with query "perPage=7"
