@program
Feature: The program
  A program is a loyalty scheme run by a public-transport organisation. Clients read
  it to show its name, whether it is active and which organisation runs it.

  Scenario: A program can be read
    Given a program
    When the client asks for the program
    Then the response status is 200
    And the program is the one asked for

  Scenario: The program runs in the organisation its members belong to
    Given a member with between 21 and 100 transactions
    When the client asks for the member
    Then the member belongs to the program's organisation

  @errors
  Scenario: A program that does not exist is not found
    Given a program that does not exist
    When the client asks for the program
    Then the answer is a "Not Found" error
